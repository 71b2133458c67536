//! Making text from strangers safe to show. File contents, field values and file names can carry
//! control characters (terminal escape sequences), bidirectional overrides (text that reads
//! differently from what it is) and invisible characters; none of them reach a terminal raw.

use std::borrow::Cow;

/// True for characters that must not be written to a terminal as they are.
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{61C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Escapes text for a terminal: a tab becomes `\t`, other control, bidirectional-override and
/// invisible characters become `\u{…}`. Everything else, including non-ASCII letters, is kept.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_interpret() {
        assert_eq!(
            for_terminal("Contact: mailto:a@b.c"),
            "Contact: mailto:a@b.c"
        );
        assert_eq!(for_terminal("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(for_terminal("a\tb\u{7}"), "a\\tb\\u{7}");
        assert_eq!(for_terminal("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(for_terminal("Tiếng Việt"), "Tiếng Việt");
    }
}
