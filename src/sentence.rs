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

fn push(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
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
}
