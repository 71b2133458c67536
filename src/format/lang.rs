//! Language tags for `Preferred-Languages`: RFC 5646 well-formedness plus a check that every subtag
//! is registered with IANA (so `cz` or `english` are rejected, as sectxt's `langcodes` does).

use super::lang_registry as registry;

/// What is wrong with a language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagProblem {
    /// Not well-formed (RFC 5646 §2.1): not a language tag at all.
    IllFormed(String),
    /// Well-formed, but not valid (RFC 5646 §2.2.9): a subtag the IANA registry does not have,
    /// or one repeated.
    Unregistered(String),
}

/// Checks one tag: its form first (RFC 5646 §2.1), then its subtags against the registry. The
/// explanation names the problem and, for common confusions, the tag that was probably meant.
pub fn check_tag(tag: &str) -> Result<(), TagProblem> {
    walk(tag, false).map_err(TagProblem::IllFormed)?;
    walk(tag, true).map_err(TagProblem::Unregistered)
}

/// Walks a tag subtag by subtag; with `registry`, also looks each one up.
fn walk(tag: &str, registry: bool) -> Result<(), String> {
    let in_table = |table: &str, width: usize, key: &str| !registry || in_table(table, width, key);
    if tag.is_empty() {
        return Err("an entry in the list is empty".into());
    }
    if let Some(bad) = tag
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Err(match bad {
            '_' => format!(
                "`{tag}` uses `_`; subtags are separated by `-`: `{}`",
                tag.replace('_', "-")
            ),
            ' ' | '\t' => format!("`{tag}` is not one tag; separate tags with commas"),
            ';' => format!("`{tag}` uses `;`; separate tags with commas"),
            _ => format!("`{tag}` contains `{bad}`, which no language tag can"),
        });
    }
    let lower = tag.to_ascii_lowercase();
    if registry::GRANDFATHERED.contains(&lower.as_str()) {
        return Ok(());
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags.iter().any(|s| s.is_empty() || s.len() > 8) {
        return Err(format!(
            "`{tag}` has an empty subtag or one longer than 8 characters"
        ));
    }
    let mut rest = subtags.as_slice();
    if rest[0] == "x" {
        return private_use(tag, &rest[1..]);
    }

    let language = rest[0];
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // language = 2*3ALPHA / 4ALPHA (reserved) / 5*8ALPHA (registered languages only).
    if !alpha(language) || language.len() == 1 {
        return Err(format!("`{tag}` does not start with a language subtag"));
    }
    if !in_table(registry::LANGUAGES, 3, language) {
        return Err(unregistered_language(tag, language));
    }
    rest = &rest[1..];

    let mut extlangs = 0;
    while let [s, tail @ ..] = rest {
        if !(s.len() == 3 && alpha(s)) {
            break;
        }
        if !in_table(registry::EXTLANGS, 3, s) {
            return Err(format!(
                "`{s}` in `{tag}` is not a registered extended language subtag"
            ));
        }
        extlangs += 1;
        rest = tail;
    }
    if extlangs > 1 {
        return Err(format!(
            "`{tag}` has more than one extended language subtag"
        ));
    }
    if let [s, tail @ ..] = rest
        && s.len() == 4
        && alpha(s)
    {
        if !in_table(registry::SCRIPTS, 4, s) {
            return Err(format!("`{s}` in `{tag}` is not a registered script"));
        }
        rest = tail;
    }
    if let [s, tail @ ..] = rest
        && ((s.len() == 2 && alpha(s)) || (s.len() == 3 && digits(s)))
    {
        if !in_table(registry::REGIONS, 3, s) {
            return Err(format!("`{s}` in `{tag}` is not a registered region"));
        }
        rest = tail;
    }
    let mut variants: Vec<&str> = Vec::new();
    while let [s, tail @ ..] = rest {
        let is_variant = s.len() >= 5 || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit());
        if !is_variant {
            break;
        }
        if !in_table(registry::VARIANTS, 8, s) {
            return Err(format!("`{s}` in `{tag}` is not a registered variant"));
        }
        if registry && variants.contains(s) {
            return Err(format!("`{tag}` repeats the variant `{s}`"));
        }
        variants.push(s);
        rest = tail;
    }
    let mut singletons: Vec<&str> = Vec::new();
    while let [s, tail @ ..] = rest {
        if s.len() != 1 || *s == "x" {
            break;
        }
        if registry && singletons.contains(s) {
            return Err(format!("`{tag}` repeats the extension `{s}`"));
        }
        singletons.push(s);
        let n = tail.iter().take_while(|t| t.len() >= 2).count();
        if n == 0 {
            return Err(format!("the extension `{s}` in `{tag}` is empty"));
        }
        rest = &tail[n..];
    }
    match rest {
        [] => Ok(()),
        ["x", tail @ ..] => private_use(tag, tail),
        [s, ..] => Err(format!("`{s}` is out of place in `{tag}`")),
    }
}

fn private_use(tag: &str, subtags: &[&str]) -> Result<(), String> {
    if subtags.is_empty() {
        Err(format!("the private-use part of `{tag}` is empty"))
    } else {
        Ok(())
    }
}

fn unregistered_language(tag: &str, language: &str) -> String {
    const CONFUSIONS: &[(&str, &str)] = &[
        ("cz", "cs"),
        ("ua", "uk"),
        ("dk", "da"),
        ("jp", "ja"),
        ("cn", "zh"),
        ("gr", "el"),
        ("kr", "ko"),
        ("vn", "vi"),
        ("rs", "sr"),
        ("english", "en"),
        ("dutch", "nl"),
        ("nederlands", "nl"),
        ("german", "de"),
        ("deutsch", "de"),
        ("french", "fr"),
        ("spanish", "es"),
    ];
    let mut msg = format!("`{language}` is not a registered language subtag");
    if let Some((_, meant)) = CONFUSIONS.iter().find(|(wrong, _)| *wrong == language) {
        msg.push_str(&format!("; did you mean `{meant}`?"));
    } else if language != tag.to_ascii_lowercase() {
        msg.push_str(&format!(" (in `{tag}`)"));
    }
    msg
}

/// Binary search in a table of fixed-width, space-padded, sorted entries.
fn in_table(table: &str, width: usize, key: &str) -> bool {
    if key.len() > width {
        return false;
    }
    let n = table.len() / width;
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let entry = table[mid * width..(mid + 1) * width].trim_end();
        match entry.cmp(key) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_registered_tags() {
        for tag in [
            "en",
            "EN",
            "nl",
            "zh-Hant",
            "pt-BR",
            "es-419",
            "sgn-BE-FR",
            "zh-yue",
            "de-CH-1901",
            "en-US-x-twain",
            "x-private",
            "i-klingon",
            "qaa",
            "en-a-bbb",
            "nb",
            "he",
            "sr-Latn-RS",
        ] {
            assert_eq!(check_tag(tag), Ok(()), "{tag}");
        }
    }

    fn unregistered(tag: &str) -> String {
        match check_tag(tag) {
            Err(TagProblem::Unregistered(why)) => why,
            other => panic!("{tag}: {other:?}"),
        }
    }

    fn ill_formed(tag: &str) -> String {
        match check_tag(tag) {
            Err(TagProblem::IllFormed(why)) => why,
            other => panic!("{tag}: {other:?}"),
        }
    }

    #[test]
    fn tells_ill_formed_tags_from_unregistered_ones() {
        // Well-formed (RFC 5646 §2.1) but not valid (§2.2.9): what sectxt accepts.
        assert!(unregistered("cz").contains("did you mean `cs`"));
        assert!(unregistered("ua").contains("did you mean `uk`"));
        assert!(unregistered("dUT").contains("`dut` is not a registered language subtag"));
        assert!(unregistered("english").contains("did you mean `en`"));
        for tag in [
            "abcd",
            "en-Latnx",
            "en-OO",
            "de-1901-1901",
            "en-a-bbb-a-ccc",
        ] {
            unregistered(tag);
        }
        // Not language tags at all.
        assert!(ill_formed("en_US").contains("`en-US`"));
        assert!(ill_formed("en de").contains("commas"));
        for tag in ["", "e", "en-", "en-x", "toolongsubtag", "en-123456789"] {
            ill_formed(tag);
        }
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for (table, width) in [
            (registry::LANGUAGES, 3),
            (registry::EXTLANGS, 3),
            (registry::SCRIPTS, 4),
            (registry::REGIONS, 3),
            (registry::VARIANTS, 8),
        ] {
            let entries: Vec<&str> = (0..table.len() / width)
                .map(|i| table[i * width..(i + 1) * width].trim_end())
                .collect();
            assert!(entries.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
