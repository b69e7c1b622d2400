//! Stage 3 — sentences: the clean text cut into the units relations are read from.
//!
//! Relations are stated within a sentence (or a list sharing one verb), so the sentence is
//! the scope of every relation rule. Chinese reports end sentences with 。！？ and often use
//! ；to separate items of equal weight, which we treat as sentence ends too; headings and
//! titles stand on their own lines, so a surviving line break also ends a sentence.

use crate::normalize::NormalizedText;

/// A sentence: a byte range of the clean text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// Position in the document, from 0.
    pub index: usize,
    /// Clean-text byte range `[start, end)`, the final punctuation included.
    pub start: usize,
    pub end: usize,
}

impl Sentence {
    /// The sentence's clean text.
    pub fn text<'a>(&self, clean: &'a NormalizedText) -> &'a str {
        &clean.text[self.start..self.end]
    }
}

/// The longest sentence, in bytes (about 1,300 Chinese characters; the longest real sentence
/// of the dev corpus has a few hundred). Text without sentence ends (a table flattened onto
/// one line, a PDF copied without punctuation, a 50 MB line) is cut into pieces of at most
/// this length, at the softest break available, so that the work done per sentence (and the
/// evidence quoted with a relation) stays bounded whatever the input.
pub const MAX_SENTENCE_BYTES: usize = 4096;

/// Where an over-long sentence is cut, from the best break to the worst: clause ends, then
/// commas and enumeration marks, then spaces.
const SOFT_BREAKS: &[&[char]] = &[
    &['。', '！', '？', '；', '!', '?', ';'],
    &['，', ',', '、', '：', ':'],
    &[' ', '\t', '\u{3000}'],
];

const TERMINATORS: &[char] = &['。', '！', '？', '；', '!', '?', ';', '\n'];
/// Closing marks that belong to the sentence they follow (`…。”`).
const CLOSERS: &[char] = &['”', '’', '」', '』', '）', ')'];

/// Splits the clean text into sentences. Empty and whitespace-only pieces are skipped;
/// the pieces, with what lies between them, join back into the clean text. A table row
/// (a line with TAB-separated cells) is one sentence whatever punctuation its cells hold:
/// its cells are read together.
pub fn split(clean: &NormalizedText) -> Vec<Sentence> {
    let text = &clean.text;
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        if line.contains('\t') {
            push(text, line_start, line_end, &mut out);
        } else {
            split_line(text, line_start, line_end, &mut out);
        }
        line_start = line_end;
    }
    out
}

fn split_line(text: &str, from: usize, to: usize, out: &mut Vec<Sentence>) {
    let mut start = from;
    let mut iter = text[from..to]
        .char_indices()
        .map(|(i, c)| (from + i, c))
        .peekable();
    while let Some((i, c)) = iter.next() {
        if !TERMINATORS.contains(&c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c != '\n' {
            while let Some(&(j, n)) = iter.peek() {
                if CLOSERS.contains(&n) || (TERMINATORS.contains(&n) && n != '\n') {
                    end = j + n.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
        }
        push(text, start, end, out);
        start = end;
    }
    push(text, start, to, out);
}

fn push(text: &str, mut start: usize, end: usize, out: &mut Vec<Sentence>) {
    while end - start > MAX_SENTENCE_BYTES {
        let cut = long_sentence_cut(&text[start..end]);
        push_piece(text, start, start + cut, out);
        start += cut;
    }
    push_piece(text, start, end, out);
}

/// Where to end the first piece of an over-long sentence: after the last soft break within
/// [`MAX_SENTENCE_BYTES`] (of the best kind found in its second half), else at the last
/// character boundary within it.
fn long_sentence_cut(piece: &str) -> usize {
    let mut limit = MAX_SENTENCE_BYTES;
    while !piece.is_char_boundary(limit) {
        limit -= 1;
    }
    let window = &piece[..limit];
    for breaks in SOFT_BREAKS {
        if let Some((i, c)) = window
            .char_indices()
            .rev()
            .find(|(_, c)| breaks.contains(c))
        {
            if i >= limit / 2 {
                return i + c.len_utf8();
            }
        }
    }
    limit
}

fn push_piece(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    if lead + trail >= piece.len() {
        return;
    }
    out.push(Sentence {
        index: out.len(),
        start: start + lead,
        end: end - trail,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn splits_on_terminators_and_lines() {
        let n = normalize("一、总则\n海淀园依托中科院。推动“双创”；支持企业！“好。”结束");
        let s: Vec<&str> = split(&n).iter().map(|s| s.text(&n)).collect();
        assert_eq!(
            s,
            [
                "一、总则",
                "海淀园依托中科院。",
                "推动“双创”；",
                "支持企业！",
                "“好。”",
                "结束"
            ]
        );
    }

    #[test]
    fn over_long_sentences_are_cut_at_the_softest_break() {
        // A table row flattened onto one line: TABs, and sentence ends that a row ignores.
        let row = "海淀园依托中科院\t支持企业。".repeat(1000);
        // No punctuation at all.
        let bare = "中关村科技园区海淀园".repeat(2000);
        for text in [row, bare] {
            let n = normalize(&text);
            let s = split(&n);
            assert!(s.len() > 1);
            let mut at = 0;
            for sentence in &s {
                assert!(sentence.end - sentence.start <= MAX_SENTENCE_BYTES);
                assert!(
                    n.text[at..sentence.start].trim().is_empty(),
                    "nothing is lost"
                );
                at = sentence.end;
            }
            assert_eq!(at, n.text.trim_end().len());
        }
        let n = normalize(&"海淀园依托中科院\t支持企业。".repeat(1000));
        let first = split(&n)[0].text(&n);
        assert!(first.ends_with('。'), "cut after a clause end: {first}");
    }
}
