//! Stage 2 — normalise: text copied out of PDFs, made fit for matching.
//!
//! PDF copies carry page markers (`- 1 -`), hard line wraps (often with blank lines between
//! them) that cut names in two, stray spaces around CJK characters, and full-width digits and
//! letters. Matching runs on the cleaned text, but evidence must quote the original, so every
//! character of the clean text remembers which original character it came from.
//!
//! **Invariant:** normalisation only deletes characters or replaces one character by one
//! character; it never invents text. Hence `origin` maps every clean character to exactly
//! one original code-point offset, and those offsets strictly increase.

use std::sync::LazyLock;

use regex::Regex;

/// The cleaned text of a document with the way back to the original.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    /// Clean text. Hard line breaks that survive (titles, headings, paragraph ends) are `\n`.
    pub text: String,
    /// For each byte of `text`, the code-point offset in the original of the character that
    /// byte belongs to. One extra entry at the end holds the original length.
    origin: Vec<u32>,
}

impl NormalizedText {
    /// The original code-point offset of the character starting at clean byte `byte`
    /// (`byte == text.len()` gives the original length).
    pub fn original_offset(&self, byte: usize) -> usize {
        self.origin[byte] as usize
    }

    /// The original code-point range `[start, end)` covered by the clean byte range.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        if end <= start {
            let o = self.original_offset(start);
            return (o, o);
        }
        // The last clean character in the range; its original char ends one code point later.
        let last = self.text[..end]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(start);
        (self.original_offset(start), self.original_offset(last) + 1)
    }
}

static PAGE_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[/／共]\s*\d+\s*页?)?|\d+\s*/\s*\d+)\s*$")
        .expect("static regex")
});

/// Characters after which a line is finished (a wrapped line does not end in these).
const LINE_FINAL: &[char] = &[
    '。', '！', '？', '；', '：', '!', '?', ';', ':', '”', '」', '》',
];

/// Closing marks finish a line only after a sentence's end (…。” finishes it; a page-wide
/// line ending 加快建设“一体三园” goes on: 为核心的…).
const CLOSING: &[char] = &['”', '」', '》'];

/// Normalises `original`. See the module docs for what changes and what never does.
pub fn normalize(original: &str) -> NormalizedText {
    let lines = split_lines(original);
    // The clean text is never longer than the original: each character is kept, dropped or
    // replaced by one no longer than itself, and each kept line break was one already.
    let mut out = Cleaner {
        text: String::with_capacity(original.len()),
        origin: Vec::with_capacity(original.len() + 1),
        prev: None,
        space: None,
    };
    reading_order(original, &lines, |c, offset| out.push(c, offset));
    // A run of spaces still open at the end is noise: nothing follows it.
    let mut origin = out.origin;
    origin.push(lines.last().map_or(0, |l| l.char_end));
    NormalizedText {
        text: out.text,
        origin,
    }
}

/// Hands `emit` the characters of the text's content lines in order, each with its original
/// offset, width folded, and a line break where a finished line ends; blank lines and page
/// markers are left out. Which spaces are noise is the caller's to decide.
fn reading_order(original: &str, lines: &[Line], mut emit: impl FnMut(char, u32)) {
    let width = wrap_width(original, lines);
    // The previous content line: where its break is, and whether it was cut by the page width.
    let mut previous: Option<(u32, bool)> = None;
    for line in lines {
        let content = &original[line.start..line.end];
        if content.trim().is_empty() || PAGE_MARKER.is_match(content) {
            continue;
        }
        if let Some((newline, wrapped)) = previous {
            // A line cut by the page width continues, even into what looks like a heading
            // (…“五证合\n一、一照一码”改革); a heading follows a finished line.
            if !wrapped {
                emit('\n', newline);
            }
        }
        for (offset, c) in (line.char_start..).zip(content.chars()) {
            emit(fold_width(c), offset);
        }
        previous = Some((line.char_end, is_wrapped(content, width)));
    }
}

/// The clean text as it is written, one character at a time, without the spaces that are
/// layout noise: at a line's ends, next to a CJK character, or after another space. Whether
/// a run of spaces is noise depends on the character after it, so the run waits in `space`
/// until that character comes; at most its first space is kept.
struct Cleaner {
    text: String,
    origin: Vec<u32>,
    /// The last character kept.
    prev: Option<char>,
    /// The original offset of the first space of the run of spaces just read, if any.
    space: Option<u32>,
}

impl Cleaner {
    #[inline]
    fn push(&mut self, c: char, offset: u32) {
        if c == ' ' {
            self.space.get_or_insert(offset);
            return;
        }
        if let Some(space) = self.space.take() {
            let noise = match self.prev {
                None | Some('\n') => true,
                Some(p) => c == '\n' || is_cjk(p) || is_cjk(c) || p == ' ',
            };
            if !noise {
                self.keep(' ', space);
            }
        }
        self.keep(c, offset);
    }

    #[inline]
    fn keep(&mut self, c: char, offset: u32) {
        self.text.push(c);
        // One entry per byte; a loop of at most four, not a call to memcpy per character.
        self.origin
            .extend(std::iter::repeat_n(offset, c.len_utf8()));
        self.prev = Some(c);
    }
}

struct Line {
    start: usize,
    end: usize,
    char_start: u32,
    char_end: u32,
}

/// Splits on `\n`, `\r\n` and `\r`, recording byte and code-point positions of each line.
fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let (mut start, mut char_start, mut chars) = (0usize, 0u32, 0u32);
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '\n' || c == '\r' {
            lines.push(Line {
                start,
                end: i,
                char_start,
                char_end: chars,
            });
            chars += 1;
            let mut next = i + 1;
            if c == '\r' {
                if let Some(&(j, '\n')) = iter.peek() {
                    iter.next();
                    chars += 1;
                    next = j + 1;
                }
            }
            start = next;
            char_start = chars;
        } else {
            chars += 1;
        }
    }
    lines.push(Line {
        start,
        end: text.len(),
        char_start,
        char_end: chars,
    });
    lines
}

/// The width at which this document's lines were hard-wrapped, if they were: the 80th
/// percentile of line lengths, when that is short enough to be a page width.
fn wrap_width(text: &str, lines: &[Line]) -> Option<usize> {
    let mut lens: Vec<usize> = lines
        .iter()
        .map(|l| text[l.start..l.end].trim().chars().count())
        .filter(|&n| n > 0)
        .collect();
    if lens.len() < 5 {
        return None;
    }
    lens.sort_unstable();
    let p80 = lens[lens.len() * 8 / 10];
    (10..=120).contains(&p80).then_some(p80)
}

/// Whether a line was cut by the page width (so its break is not a real one).
fn is_wrapped(line: &str, width: Option<usize>) -> bool {
    let trimmed = line.trim_end();
    let Some(last) = trimmed.chars().last() else {
        return false;
    };
    if matches!(last, '，' | '、' | ',') {
        return true;
    }
    let Some(width) = width else { return false };
    let finished = LINE_FINAL.contains(&last)
        && (!CLOSING.contains(&last)
            || trimmed
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|c| LINE_FINAL.contains(&c) && !CLOSING.contains(&c)));
    !finished && trimmed.trim_start().chars().count() * 10 >= width * 8
}

/// Full-width digits, Latin letters and `＋` become their ASCII forms; ideographic and
/// no-break spaces, NUL and the other control characters (form feeds between PDF pages)
/// become a space; all else is kept. One character for one, so offsets stay exact.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '＋' | '－' | '．' | '％' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' | '\u{a0}' => ' ',
        c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => ' ',
        _ => c,
    }
}

/// Whether `c` is a CJK ideograph or CJK punctuation (spaces next to these are layout noise).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFF0F
        | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0x20000..=0x2FA1F
        | 0x2018..=0x201F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_offsets(original: &str, n: &NormalizedText) {
        let orig: Vec<char> = original.chars().collect();
        for (b, c) in n.text.char_indices() {
            let o = n.original_offset(b);
            let oc = orig[o];
            assert!(
                oc == c || fold_width(oc) == c || (c == '\n' && (oc == '\n' || oc == '\r')),
                "clean {c:?} at byte {b} maps to original {oc:?}"
            );
        }
    }

    /// The normaliser as first written: all characters collected, then the spaces that are
    /// noise dropped in a second pass. The streaming one must agree with it.
    fn reference(original: &str) -> NormalizedText {
        let mut chars: Vec<(char, u32)> = Vec::new();
        reading_order(original, &split_lines(original), |c, o| chars.push((c, o)));
        let mut text = String::new();
        let mut origin = Vec::new();
        for (c, o) in without_cjk_spaces(&chars) {
            text.push(c);
            origin.extend(std::iter::repeat_n(o, c.len_utf8()));
        }
        origin.push(original.chars().count() as u32);
        NormalizedText { text, origin }
    }

    /// The characters without the spaces that are layout noise: at a line's ends, next to a CJK
    /// character, or after another space. Streamed, with the next non-space character found once
    /// per run of spaces.
    fn without_cjk_spaces(chars: &[(char, u32)]) -> impl Iterator<Item = (char, u32)> + '_ {
        let mut prev: Option<char> = None;
        // The index of the first non-space at or after the current run of spaces.
        let mut run_end = 0;
        chars.iter().enumerate().filter_map(move |(i, &(c, o))| {
            if c == ' ' {
                if run_end <= i {
                    run_end = i + 1 + chars[i + 1..].iter().take_while(|p| p.0 == ' ').count();
                }
                let next = chars.get(run_end).map(|p| p.0);
                let noise = match (prev, next) {
                    (None, _) | (_, None) | (Some('\n'), _) | (_, Some('\n')) => true,
                    (Some(p), Some(n)) => is_cjk(p) || is_cjk(n) || p == ' ',
                };
                if noise {
                    return None;
                }
            }
            prev = Some(c);
            Some((c, o))
        })
    }

    #[test]
    fn streaming_agrees_with_the_reference() {
        let pieces = [
            " ",
            "  ",
            "\u{3000}",
            "\u{a0}",
            "\0",
            "\n",
            "\r\n",
            "\r",
            "\t",
            "中关村",
            "。",
            "，",
            "A",
            "bc",
            "１２",
            "- 3 -",
            "第 2 页",
            "、",
            "”",
            "x y",
            "园区科技创新中心建设",
        ];
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..5000 {
            let text: String = (0..next() % 40)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let (got, want) = (normalize(&text), reference(&text));
            assert_eq!(got.text, want.text, "{text:?}");
            assert_eq!(got.origin, want.origin, "{text:?}");
        }
    }

    #[test]
    fn joins_wrapped_lines_and_drops_page_markers() {
        let original = "- 1 -\n\n标题\n\n中关村科技园区海淀园（以下简称海淀园）是中关村的发\n\n祥地，也是中国高新区的发源地和领头羊。经过 30年的改革创\n\n新发展，海淀园规划面积从最初的 100平方公里扩容至174平方\n\n公里，实现了从强调企业服务的版本跨越发展到新的阶段为止。\n\n一、聚焦功能定位。\n";
        let n = normalize(original);
        assert!(n.text.starts_with("标题\n中关村"), "{}", n.text);
        assert!(n.text.contains("发祥地"));
        assert!(n.text.contains("经过30年的改革创新发展"));
        assert!(n.text.contains("。\n一、聚焦"));
        assert!(!n.text.contains("- 1 -"));
        check_offsets(original, &n);
    }

    #[test]
    fn a_closing_quote_ends_a_line_only_after_a_sentence() {
        let original = "一、聚焦功能定位\n\n海淀园着力推动军民深度融合创新，加快建设“一体三园”\n\n\
                        为核心的中关村军民融合示范区，积极推动重大项目落地。\n\n\
                        会上他说：“要把海淀园建设成为全国科技创新中心。”\n\n\
                        二、构建高精尖经济结构，推动中关村科技园区海淀园发展\n";
        let n = normalize(original);
        assert!(n.text.contains("“一体三园”为核心"), "{}", n.text);
        assert!(n.text.contains("中心。”\n二、"), "{}", n.text);
        check_offsets(original, &n);
    }

    #[test]
    fn folds_full_width_digits_and_keeps_offsets() {
        let original = "投资１２０亿开展２０个项目";
        let n = normalize(original);
        assert_eq!(n.text, "投资120亿开展20个项目");
        let start = n.text.find("120").unwrap();
        assert_eq!(n.original_range(start, start + 3), (2, 5));
        check_offsets(original, &n);
    }

    #[test]
    fn handles_crlf_and_cr() {
        let n = normalize("第一行。\r\n第二行。\r第三行。");
        assert_eq!(n.text, "第一行。\n第二行。\n第三行。");
        assert_eq!(n.original_offset(n.text.len()), 15);
    }

    #[test]
    fn nul_and_control_characters_are_spaces_and_keep_offsets() {
        let original = "依托\0清华\u{c}大学，\0\0推动 A\0B。";
        let n = normalize(original);
        assert_eq!(n.text, "依托清华大学，推动A B。");
        let start = n.text.find("清华").unwrap();
        assert_eq!(n.original_range(start, start + "清华大学".len()), (3, 8));
        check_offsets(original, &n);
    }

    #[test]
    fn keeps_spaces_between_latin_words() {
        assert_eq!(
            normalize("Tsinghua University 清华 大学").text,
            "Tsinghua University清华大学"
        );
    }
}
