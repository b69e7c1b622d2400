//! Property tests: arbitrary bytes through read (decode), and arbitrary text through
//! normalise → sentences → mentions → entities → relations, with the project's own
//! knowledge. Nothing may panic, and every offset must map back inside the original text.

use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use zhitu::extract::analyse;
use zhitu::knowledge::Knowledge;
use zhitu::read::{decode, decode_lossy};

static K: LazyLock<Knowledge> = LazyLock::new(|| {
    Knowledge::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology"))
        .expect("ontology/ loads")
});

/// Runs the stages on `text` and checks every mention's and sentence's original range.
fn offsets_stay_inside(text: &str) -> Result<(), TestCaseError> {
    let a = analyse(text, &K);
    let n = text.chars().count();
    for m in &a.mentions.mentions {
        let (s, e) = a.clean.original_range(m.start, m.end);
        prop_assert!(s <= e && e <= n, "mention {:?} → {s}..{e} of {n}", m.name);
    }
    for st in &a.sentences {
        let (s, e) = a.clean.original_range(st.start, st.end);
        prop_assert!(s <= e && e <= n, "sentence {} → {s}..{e} of {n}", st.index);
    }
    for r in &a.relations {
        prop_assert!(r.subject < a.entities.entities.len());
        prop_assert!(r.object < a.entities.entities.len());
    }
    Ok(())
}

/// Pieces of policy text: names, head words, triggers, punctuation, list and definition
/// marks, page markers, line ends of every kind, full-width digits, NULs and odd characters.
const PIECES: &[&str] = &[
    "中关村科技园区海淀园",
    "清华大学",
    "北京大学",
    "上海市科委",
    "研究院",
    "实验室",
    "管委会",
    "高新区",
    "有限公司",
    "基金",
    "试点",
    "产业",
    "人工智能",
    "集成电路",
    "依托",
    "推动",
    "建设",
    "联合",
    "设立",
    "印发",
    "落实",
    "位于",
    "和",
    "、",
    "，",
    "。",
    "；",
    "：",
    "的",
    "（以下简称",
    "）",
    "（",
    "《",
    "》",
    "“",
    "”",
    "\n",
    "\r\n",
    "\r",
    "\n\n- 2 -\n\n",
    "第3页",
    "一、",
    "（二）",
    " ",
    "\u{3000}",
    "\t",
    "\0",
    "\u{c}",
    "１２０亿元",
    "50亿元",
    "3个",
    "A",
    "Tsinghua ",
    "\u{FFFD}",
    "\u{FEFF}",
    "\u{200B}",
    "e\u{301}",
    "𠀀",
    "😀",
];

fn policy_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(PIECES).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ],
        0..120,
    )
    .prop_map(|v| v.concat())
}

/// Bytes that are nearly text: a text encoded in UTF-8, GB18030 or UTF-16 (with a BOM),
/// with some bytes overwritten.
fn nearly_text() -> impl Strategy<Value = Vec<u8>> {
    (
        policy_like(),
        0..4u8,
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    )
        .prop_map(|(text, enc, damage)| {
            let mut bytes = match enc {
                0 => text.into_bytes(),
                1 => encoding_rs::GB18030.encode(&text).0.into_owned(),
                2 => {
                    let mut b = vec![0xFF, 0xFE];
                    text.encode_utf16()
                        .for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
                    b
                }
                _ => {
                    let mut b = vec![0xFE, 0xFF];
                    text.encode_utf16()
                        .for_each(|u| b.extend_from_slice(&u.to_be_bytes()));
                    b
                }
            };
            if !bytes.is_empty() {
                for (at, byte) in damage {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
            }
            bytes
        })
}

/// What read hands on must be what it says: lossless decoding either succeeds with the
/// same text lossy decoding gives, or is refused; lossy decoding refuses only binaries.
fn read_then_extract(bytes: &[u8]) -> Result<(), TestCaseError> {
    let strict = decode(bytes);
    let lossy = decode_lossy(bytes);
    match (&strict, &lossy) {
        (Ok((t, e)), Ok((lt, le))) => {
            prop_assert_eq!(t, lt);
            prop_assert_eq!(*e, le.as_str());
        }
        (Err(_), Ok((_, le))) => prop_assert!(le.ends_with(" (lossy)"), "{}", le),
        (Err(reason), Err(lossy_reason)) => {
            prop_assert!(reason.contains("looks like"), "{}", reason);
            prop_assert_eq!(reason, lossy_reason);
        }
        (Ok(_), Err(e)) => prop_assert!(false, "lossy refuses what strict reads: {}", e),
    }
    if let Ok((text, _)) = lossy {
        offsets_stay_inside(&text)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_are_decoded_or_refused_without_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048)
    ) {
        read_then_extract(&bytes)?;
    }

    #[test]
    fn damaged_text_in_any_encoding_reads_and_extracts(bytes in nearly_text()) {
        read_then_extract(&bytes)?;
    }

    #[test]
    fn arbitrary_unicode_extracts_with_offsets_inside(text in any::<String>()) {
        offsets_stay_inside(&text)?;
    }

    #[test]
    fn policy_like_text_extracts_with_offsets_inside(text in policy_like()) {
        offsets_stay_inside(&text)?;
    }
}
