//! Bug-bounty and vulnerability-disclosure platforms a web contact may point to. A report there
//! goes through the platform's form and triage, not to the organisation's mailbox: a notifier
//! needs to know before sending.

/// The platforms, by the registrable domain their program pages live on.
const PLATFORMS: &[(&str, &str)] = &[
    ("hackerone.com", "HackerOne"),
    ("bugcrowd.com", "Bugcrowd"),
    ("intigriti.com", "Intigriti"),
    ("yeswehack.com", "YesWeHack"),
    ("zerocopter.com", "Zerocopter"),
    ("openbugbounty.org", "Open Bug Bounty"),
    ("hackenproof.com", "HackenProof"),
    ("immunefi.com", "Immunefi"),
    ("synack.com", "Synack"),
    ("cobalt.io", "Cobalt"),
    ("federacy.com", "Federacy"),
    ("huntr.com", "huntr"),
    ("huntr.dev", "huntr"),
    ("bugbounty.ch", "Bug Bounty Switzerland"),
    ("bugbounty.jp", "BugBounty.jp"),
    ("safehats.com", "SafeHats"),
    ("vulnerability-lab.com", "Vulnerability Lab"),
    ("responsibledisclosure.com", "ResponsibleDisclosure.com"),
];

/// The platform a web contact (`https://hackerone.com/example`) is on, if it is a known one.
pub fn platform(uri: &str) -> Option<&'static str> {
    // An ASCII URL without percent signs, tabs or line breaks (which a URL parser decodes or
    // drops) has its host in its text as it is but for case: when no platform's domain is in
    // the text, it is on none, and needs no parsing (the report and the directory ask this of
    // every web contact).
    if uri.is_ascii() && !uri.contains(['%', '\t', '\n', '\r']) {
        let lower = uri.to_ascii_lowercase();
        if !PLATFORMS.iter().any(|(domain, _)| lower.contains(domain)) {
            return None;
        }
    }
    parsed_platform(uri)
}

/// `platform` by parsing the URL, always.
fn parsed_platform(uri: &str) -> Option<&'static str> {
    let url = url::Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    PLATFORMS.iter().find_map(|(domain, name)| {
        let on = host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|prefix| prefix.ends_with('.'));
        on.then_some(*name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_platforms_are_named_by_their_host() {
        assert_eq!(platform("https://hackerone.com/example"), Some("HackerOne"));
        assert_eq!(
            platform("https://app.intigriti.com/programs/example/example"),
            Some("Intigriti")
        );
        assert_eq!(
            platform("https://bugcrowd.com/example/report"),
            Some("Bugcrowd")
        );
        assert_eq!(platform("https://example.com/security"), None);
        assert_eq!(platform("https://nothackerone.com/x"), None);
        assert_eq!(platform("mailto:security@hackerone.com"), None);
        // Spelt in capitals, with a percent-encoded or a full-width dot, with a tab the parser
        // drops: the host is the same.
        assert_eq!(platform("HTTPS://HackerOne.COM/example"), Some("HackerOne"));
        assert_eq!(
            platform("https://hackerone%2Ecom/example"),
            Some("HackerOne")
        );
        assert_eq!(
            platform("https://hackerone\u{3002}com/example"),
            Some("HackerOne")
        );
        assert_eq!(
            platform("https://hacker\tone.com/example"),
            Some("HackerOne")
        );
    }

    proptest::proptest! {
        /// The shortcut that skips parsing never changes the answer.
        #[test]
        fn the_text_shortcut_agrees_with_parsing(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "https://", "http://", "mailto:", "hackerone", "HackerOne", "bugcrowd",
                    ".com", ".", "%2E", "%2e", "\t", "\n", "\u{3002}", "\u{FF0E}", "x", "/",
                    "@", ":443", "app.", "xn--", "-", " ",
                ]),
                0..10,
            )
        ) {
            let uri: String = pieces.concat();
            proptest::prop_assert_eq!(platform(&uri), parsed_platform(&uri), "{:?}", uri);
        }
    }
}
