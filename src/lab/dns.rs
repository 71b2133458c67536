//! The lab's authoritative DNS server (hickory-server, UDP and TCP): answers A queries from the
//! world, and misbehaves on purpose where a scenario says so: NXDOMAIN, NODATA, SERVFAIL, or no
//! answer at all.

use super::world::{DnsAnswer, World};
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, AAAA, OPENPGPKEY};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use std::net::IpAddr;
use std::sync::Arc;

pub struct LabDns {
    pub world: Arc<World>,
    /// The lab's signing key (binary), published in OPENPGPKEY records.
    pub key: Vec<u8>,
}

const TTL: u32 = 300;

#[async_trait::async_trait]
impl RequestHandler for LabDns {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        let silent = ResponseInfo::from(Header {
            metadata,
            counts: HeaderCounts::default(),
        });
        let Ok(info) = request.request_info() else {
            return silent;
        };
        let name = Name::from(info.query.name().clone());
        let query_type = info.query.query_type();
        let answer = self.world.dns(&name.to_ascii());
        let builder = MessageResponseBuilder::from_message_request(request);
        let records: Vec<Record> = match &answer {
            DnsAnswer::Drop => return silent,
            DnsAnswer::NxDomain => {
                metadata.response_code = ResponseCode::NXDomain;
                vec![]
            }
            DnsAnswer::ServFail => {
                metadata.response_code = ResponseCode::ServFail;
                metadata.authoritative = false;
                vec![]
            }
            DnsAnswer::NoAddress => vec![],
            DnsAnswer::OpenPgpKey if query_type == RecordType::OPENPGPKEY => {
                vec![Record::from_rdata(
                    name.clone(),
                    TTL,
                    RData::OPENPGPKEY(OPENPGPKEY::new(self.key.clone())),
                )]
            }
            DnsAnswer::OpenPgpKey => vec![],
            DnsAnswer::Addresses(ips) => ips
                .iter()
                .filter_map(|ip| match (ip, query_type) {
                    (IpAddr::V4(v4), RecordType::A) => {
                        Some(Record::from_rdata(name.clone(), TTL, RData::A(A(*v4))))
                    }
                    (IpAddr::V6(v6), RecordType::AAAA) => Some(Record::from_rdata(
                        name.clone(),
                        TTL,
                        RData::AAAA(AAAA(*v6)),
                    )),
                    _ => None,
                })
                .collect(),
        };
        let response = builder.build(metadata, records.iter(), [], [], []);
        response_handle
            .send_response(response)
            .await
            .unwrap_or(silent)
    }
}
