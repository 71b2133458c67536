//! The lab's scenario table: what each kind of simulated domain does (DNS answer, certificate,
//! HTTP behaviour) and what a correct crawler must conclude about it (outcome, contacts, error
//! codes). The same table drives the servers and the ground truth, so they cannot disagree.

use serde::Serialize;

macro_rules! scenarios {
    ($($variant:ident => $slug:literal, $weight:literal, $outcome:literal;)*) => {
        /// One kind of simulated domain.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Scenario { $($variant),* }

        impl Scenario {
            pub const ALL: &'static [Scenario] = &[$(Scenario::$variant),*];

            /// The name used in domain names and the ground truth.
            pub fn slug(self) -> &'static str {
                match self { $(Scenario::$variant => $slug),* }
            }

            /// Relative frequency in the realistic mix (perf.md §4.1), per mille.
            pub fn weight(self) -> u32 {
                match self { $(Scenario::$variant => $weight),* }
            }

            /// The outcome label a correct crawler records (`Outcome::label`).
            pub fn expected_outcome(self) -> &'static str {
                match self { $(Scenario::$variant => $outcome),* }
            }
        }
    };
}

scenarios! {
    Valid => "valid", 30, "found";
    LegacyOnly => "legacy-only", 10, "found";
    BothPaths => "both-paths", 5, "found";
    Invalid => "invalid", 10, "found";
    ExpiredFile => "expired-file", 10, "found";
    WrongContentType => "wrong-content-type", 5, "found";
    MissingContentType => "missing-content-type", 5, "found";
    WrongCharset => "wrong-charset", 5, "found";
    GzipEncoded => "gzip-encoded", 5, "found";
    RateLimited => "rate-limited", 5, "found";
    RedirectSameHost => "redirect-same-host", 10, "found";
    RedirectOtherHost => "redirect-other-host", 15, "found";
    RedirectCrossSite => "redirect-cross-site", 10, "found";
    SignedSameOrigin => "signed-same-origin", 6, "found";
    SignedWkd => "signed-wkd", 3, "found";
    SignedDns => "signed-dns", 3, "found";
    SignedTampered => "signed-tampered", 2, "found";
    SignedWrongKey => "signed-wrong-key", 2, "found";
    SignedKeyUnreachable => "signed-key-unreachable", 2, "found";
    SignedKeyRedirectPrivate => "signed-key-redirect-private", 2, "found";
    HostileFindings => "hostile-findings", 1, "found";
    SignedKeysElsewhere => "signed-keys-elsewhere", 1, "found";
    NotFound => "not-found", 250, "http_status 404";
    Forbidden => "forbidden", 20, "http_status 403";
    ServerError => "server-error", 10, "http_status 500";
    Unavailable => "unavailable", 10, "http_status 503";
    Soft404Html => "soft-404-html", 100, "soft_404";
    Soft404Redirect => "soft-404-redirect", 20, "soft_404";
    RedirectDowngrade => "redirect-downgrade", 10, "redirect_error downgrade";
    RedirectLoop => "redirect-loop", 5, "redirect_error loop";
    RedirectTooMany => "redirect-too-many", 5, "redirect_error too_many";
    RedirectOtherPort => "redirect-other-port", 2, "redirect_error port";
    NxDomain => "nxdomain", 150, "dns_nxdomain";
    NoAddress => "no-address", 50, "dns_no_address";
    ServFail => "servfail", 50, "dns_servfail";
    DnsTimeout => "dns-timeout", 10, "dns_timeout";
    Refused => "refused", 80, "connect_refused";
    ConnectTimeout => "connect-timeout", 20, "connect_timeout";
    TlsExpired => "tls-expired", 20, "tls_error expired";
    TlsWrongName => "tls-wrong-name", 20, "tls_error name_mismatch";
    TlsUnknownIssuer => "tls-unknown-issuer", 20, "tls_error unknown_issuer";
    SlowHeaders => "slow-headers", 5, "timeout";
    SlowBody => "slow-body", 5, "timeout";
    EndlessBody => "endless-body", 3, "too_large";
    OversizeWithLength => "oversize-with-length", 3, "too_large";
    OversizeChunked => "oversize-chunked", 3, "too_large";
    GzipBomb => "gzip-bomb", 3, "too_large";
    PrivateAddress => "private-address", 5, "blocked_address";
    LinkLocalAddress => "link-local-address", 2, "blocked_address";
    // Added later, at the end, so that the first domains of a small lab keep their scenarios.
    NoCloseNotify => "no-close-notify", 3, "found";
    OversizeHead => "oversize-head", 2, "connection_error";
    EndlessInterim => "endless-interim", 2, "connection_error";
}

impl Scenario {
    pub fn from_slug(slug: &str) -> Option<Scenario> {
        Scenario::ALL.iter().copied().find(|s| s.slug() == slug)
    }

    /// Error-level diagnostic codes the found file must carry (empty for a correct file).
    pub fn expected_errors(self) -> &'static [&'static str] {
        match self {
            Scenario::LegacyOnly => &["location"],
            Scenario::Invalid => &["no_expire", "no_uri"],
            Scenario::ExpiredFile => &["expired"],
            Scenario::WrongContentType => &["invalid_media"],
            Scenario::MissingContentType => &["no_content_type"],
            Scenario::WrongCharset => &["invalid_charset"],
            Scenario::SignedTampered => &["bad_signature"],
            Scenario::HostileFindings => &[
                "control_char",
                "invalid_line",
                "no_contact",
                "no_expire",
                "no_line_separators",
                "too_many_lines",
            ],
            _ => &[],
        }
    }

    /// The signature verdict a correct crawler reaches: the verdict's name, and for a verified
    /// file how independent the key's source is.
    pub fn expected_signature(self) -> &'static str {
        match self {
            Scenario::SignedSameOrigin => "verified same_origin",
            Scenario::SignedWkd | Scenario::SignedDns => "verified independent",
            Scenario::SignedTampered => "bad_signature",
            Scenario::SignedWrongKey
            | Scenario::SignedKeyUnreachable
            | Scenario::SignedKeyRedirectPrivate
            | Scenario::SignedKeysElsewhere => "no_key",
            _ => "unsigned",
        }
    }

    /// Scenarios served from a pool of addresses apart from the shared ones: servers that
    /// misbehave on purpose. A slow server holds the crawler's per-address slots for seconds; a
    /// server whose body the crawler abandons (too large, too slow) or whose handshake fails keeps
    /// counting the connection until it notices the crawler has gone, which no client can see.
    /// Politeness is judged on the shared addresses, where every response completes.
    pub fn isolated(self) -> bool {
        matches!(
            self,
            Scenario::SlowHeaders
                | Scenario::SlowBody
                | Scenario::EndlessBody
                | Scenario::OversizeWithLength
                | Scenario::OversizeChunked
                | Scenario::GzipBomb
                | Scenario::RateLimited
                | Scenario::Unavailable
                | Scenario::TlsExpired
                | Scenario::TlsWrongName
                | Scenario::TlsUnknownIssuer
                | Scenario::SignedKeysElsewhere
                | Scenario::EndlessInterim
        )
    }
}

/// How scenarios are drawn for the generated domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Every scenario at least once, then by the weights of the realistic mix.
    Realistic,
    /// Every domain serves a valid file (isolates the per-domain cost).
    AllValid,
}
