//! Making text from strangers safe to show. File contents, field values and file names can carry
//! control characters (terminal escape sequences), bidirectional overrides (text that reads
//! differently from what it is) and invisible characters; none of them reach a terminal raw.

use std::borrow::Cow;

/// True for characters that must not be written to a terminal as they are: controls (C0, C1,
/// DEL), bidirectional overrides and marks, and characters that show nothing, so that a finding
/// never reads "`` is not ASCII" or hides text (tag characters, Hangul and Mongolian fillers,
/// the soft hyphen, the combining grapheme joiner, interlinear annotation marks, variation
/// selectors).
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
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

    #[test]
    fn invisible_characters_are_shown_escaped() {
        for (c, shown) in [
            ('\u{E0041}', "\\u{e0041}"),
            ('\u{E007F}', "\\u{e007f}"),
            ('\u{3164}', "\\u{3164}"),
            ('\u{115F}', "\\u{115f}"),
            ('\u{180E}', "\\u{180e}"),
            ('\u{AD}', "\\u{ad}"),
            ('\u{34F}', "\\u{34f}"),
            ('\u{FFF9}', "\\u{fff9}"),
            ('\u{FFFB}', "\\u{fffb}"),
        ] {
            assert_eq!(
                for_terminal(&format!("a{c}b")),
                format!("a{shown}b"),
                "{c:?}"
            );
        }
        // Visible letters of the same scripts are kept.
        assert_eq!(for_terminal("한국어 ᠮᠣᠩᠭᠣᠯ"), "한국어 ᠮᠣᠩᠭᠣᠯ");
    }
}
