//! A draft's body prepared once for every detector: words with their byte ranges, and the
//! conversion of byte ranges into the code-point spans findings carry.

use countersign_core::finding::Span;

/// One word of the body: letters, digits and in-word apostrophes or hyphens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// The word as written.
    pub text: &'a str,
    /// Byte offset of its first byte in the body.
    pub start: usize,
    /// Byte offset one past its last byte.
    pub end: usize,
}

impl Word<'_> {
    /// True when the word starts with an upper-case letter (a name, or a sentence's start).
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

/// The body, split into words once, with a lower-cased copy for case-blind matching.
#[derive(Debug)]
pub(crate) struct Text<'a> {
    /// The body as written.
    pub body: &'a str,
    /// Its words, in order.
    pub words: Vec<Word<'a>>,
}

impl<'a> Text<'a> {
    /// Prepares `body`.
    pub fn new(body: &'a str) -> Self {
        let mut words = Vec::new();
        let mut start = None;
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next_is_word = chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
            let in_word = c.is_alphanumeric() || (start.is_some() && is_joiner(c) && next_is_word);
            match (in_word, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push(Word {
                        text: &body[s..i],
                        start: s,
                        end: i,
                    });
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push(Word {
                text: &body[s..],
                start: s,
                end: body.len(),
            });
        }
        Self { body, words }
    }

    /// The index of the first word that ends after byte `at`, i.e. the word at or after it.
    pub fn word_at(&self, at: usize) -> usize {
        self.words.partition_point(|w| w.end <= at)
    }

    /// The code-point span of the byte range `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let start_cp = self.body[..start].chars().count();
        let len_cp = self.body[start..end].chars().count();
        Span {
            start: start_cp,
            end: start_cp + len_cp,
        }
    }
}

/// Characters that join two parts of one word: `don't`, `e-mail`, `Sinclair’s`.
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(body: &str) -> Vec<&str> {
        Text::new(body).words.iter().map(|w| w.text).collect()
    }

    #[test]
    fn words_keep_their_apostrophes_and_hyphens_but_not_punctuation() {
        assert_eq!(
            words("Ava Sinclair's mum — don't re-post it!"),
            ["Ava", "Sinclair's", "mum", "don't", "re-post", "it"]
        );
        assert_eq!(words("'quoted' -dash- end-"), ["quoted", "dash", "end"]);
    }

    #[test]
    fn spans_count_code_points_not_bytes() {
        let text = Text::new("⭐ Ava");
        let ava = text.words[0];
        assert_eq!(ava.text, "Ava");
        assert_eq!(text.span(ava.start, ava.end), Span { start: 2, end: 5 });
    }
}
