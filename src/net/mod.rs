//! The network side of the crawl: DNS (`dns`), which addresses may be contacted (`guard`), the
//! HTTP client (`client`), politeness limits (`limits`), certificate description (`cert`) and
//! one fetch attempt with its redirects (`fetch`). Knows nothing of the security.txt format
//! beyond recognising an HTML page.

pub mod cert;
pub mod client;
pub mod dns;
pub mod fetch;
pub mod guard;
pub mod limits;
