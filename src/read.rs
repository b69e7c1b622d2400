//! Stage 1 — read: files and folders in, decoded [`Document`]s out.
//!
//! Reading is separate from normalising so that everything downstream can rely on one
//! fact: `Document::text` is exactly what the file says, decoded, and every offset zhitu
//! ever reports counts code points in it. Undecodable input is refused here, with the file
//! named, rather than half-read later.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One input document, decoded.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as it is shown to users and stored (relative to the working folder when
    /// the file lies below it).
    pub path: String,
    /// The decoded text (a leading byte-order mark removed). All offsets count code points in it.
    pub text: String,
    /// The encoding the bytes were decoded from ("UTF-8", "gb18030", "UTF-16LE" …), followed
    /// by " (lossy)" when undecodable bytes were replaced by U+FFFD (see [`decode_lossy`]).
    pub encoding: String,
    /// SHA-256 of the raw bytes, hex.
    pub sha256: String,
}

/// An input that was passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// A file to read, with its size when it was listed (for batching and progress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    pub path: PathBuf,
    pub size: u64,
    /// The name the document is shown and stored under ([`display_path`]), found while
    /// listing: the walk knows each folder's real path, so a file in it needs no resolving
    /// of its own (resolving took seven system calls a file in the bench corpus).
    pub shown: String,
}

/// The files a run reads, and what listing the folders passed over.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Files to read, sorted by path and deduplicated.
    pub files: Vec<InputFile>,
    /// Folders that cannot be listed, links that lead nowhere (or in a loop), special files
    /// (pipes, devices) found in folders.
    pub skipped: Vec<Skipped>,
    /// Folders given by the user that hold no file with a matching extension.
    pub empty_folders: Vec<PathBuf>,
}

/// Lists the input files under `paths`: files as given (whatever they are: a named pipe
/// given by name is read); folders walked recursively for regular files whose extension is
/// in `extensions`, entering no real folder twice (symlink loops). Everything passed over
/// while walking is listed with its reason. A path that does not exist is an error
/// ([`Error::NotFound`]), before any work.
pub fn list_inputs(paths: &[PathBuf], extensions: &[String]) -> Result<Inputs> {
    list_named(paths, extensions, &Names::here())
}

fn list_named(paths: &[PathBuf], extensions: &[String], names: &Names) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    let mut visited = HashSet::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(p.clone()),
            _ => Error::io(p, e),
        })?;
        if meta.is_dir() {
            let (files, skipped) = (inputs.files.len(), inputs.skipped.len());
            walk(p, extensions, names, &mut inputs, &mut visited);
            if inputs.files.len() == files && inputs.skipped.len() == skipped {
                inputs.empty_folders.push(p.clone());
            }
        } else {
            inputs.files.push(InputFile {
                path: p.clone(),
                size: meta.len(),
                shown: names.of(p),
            });
        }
    }
    inputs.files.sort();
    inputs.files.dedup_by(|a, b| a.path == b.path);
    Ok(inputs)
}

/// "*.txt", "*.txt or *.md", "*.txt, *.md or *.html": the files a folder is searched for.
pub fn patterns(extensions: &[String]) -> String {
    let globs: Vec<String> = extensions.iter().map(|e| format!("*.{e}")).collect();
    match globs.split_last() {
        None => "matching".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn walk(
    dir: &Path,
    extensions: &[String],
    names: &Names,
    inputs: &mut Inputs,
    visited: &mut HashSet<PathBuf>,
) {
    let skip = |inputs: &mut Inputs, path: &Path, reason: String| {
        inputs.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason,
        })
    };
    // Guard against symlink loops: never enter the same real folder twice.
    let real = match std::fs::canonicalize(dir) {
        Ok(r) => r,
        Err(e) => return skip(inputs, dir, format!("cannot resolve this folder: {e}")),
    };
    if !visited.insert(real.clone()) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return skip(inputs, dir, format!("cannot list this folder: {e}")),
    };
    // Whether each entry is a symbolic link comes with the listing on most file systems.
    let is_link = |e: &std::fs::DirEntry| e.file_type().map_or(true, |t| t.is_symlink());
    let mut paths: Vec<(PathBuf, bool)> = entries
        .filter_map(|e| e.ok().map(|e| (e.path(), is_link(&e))))
        .collect();
    paths.sort();
    for (path, link) in paths {
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                // A link that leads nowhere, or round in a loop: worth a word if it looks
                // like an input.
                if has_extension(&path, extensions) {
                    skip(
                        inputs,
                        &path,
                        format!("a symbolic link that leads nowhere ({e})"),
                    );
                }
                continue;
            }
        };
        if meta.is_dir() {
            walk(&path, extensions, names, inputs, visited);
        } else if has_extension(&path, extensions) {
            if meta.is_file() {
                // In a folder whose real path is known, a file that is no link is that path
                // and its name: what resolving it would find.
                let shown = match (link, path.file_name()) {
                    (false, Some(name)) => names.of_real(&real.join(name), &path),
                    _ => names.of(&path),
                };
                inputs.files.push(InputFile {
                    path,
                    size: meta.len(),
                    shown,
                });
            } else {
                skip(inputs, &path, special_file(&meta).to_owned());
            }
        }
    }
}

/// What a file that is neither a regular file nor a folder is (found while walking a folder,
/// it is not read: reading a pipe or a device can block or never end).
fn special_file(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe, not a regular file (name it on the command line to read it)";
        }
        if t.is_socket() {
            return "a socket, not a regular file";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device, not a regular file (name it on the command line to read it)";
        }
    }
    let _ = meta;
    "not a regular file"
}

fn has_extension(path: &Path, extensions: &[String]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    extensions.iter().any(|e| e.eq_ignore_ascii_case(&ext))
}

/// The name a path is shown and stored under: relative to the working folder when below it.
/// A path that does not exist (a document deleted since it was stored) is resolved by its
/// components alone, so that `./input/a.txt` and `input/a.txt` name the same document.
pub fn display_path(path: &Path) -> String {
    Names::here().of(path)
}

/// Shows paths relative to the working folder, asked for once.
struct Names {
    cwd: Option<PathBuf>,
}

impl Names {
    fn here() -> Names {
        Names {
            cwd: std::env::current_dir().ok(),
        }
    }

    /// [`display_path`].
    fn of(&self, path: &Path) -> String {
        match std::fs::canonicalize(path) {
            Ok(abs) => self.of_real(&abs, path),
            Err(_) => {
                let abs = match &self.cwd {
                    Some(cwd) => cwd.join(path),
                    None => path.to_path_buf(),
                };
                let mut clean = PathBuf::new();
                for c in abs.components() {
                    match c {
                        std::path::Component::CurDir => {}
                        std::path::Component::ParentDir => {
                            clean.pop();
                        }
                        c => clean.push(c),
                    }
                }
                self.of_real(&clean, path)
            }
        }
    }

    /// The name of `path` from its resolved form `abs` (absolute, no links, no `.` or `..`):
    /// `abs` below the working folder, else `path` as given.
    fn of_real(&self, abs: &Path, path: &Path) -> String {
        let below = self
            .cwd
            .as_deref()
            .and_then(|cwd| abs.strip_prefix(cwd).ok());
        below.unwrap_or(path).to_string_lossy().replace('\\', "/")
    }
}

/// Reads and decodes one file, refusing undecodable bytes.
pub fn read_document(path: &Path) -> Result<Document> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_document(path, bytes, display_path(path), false)
}

/// Reads and decodes one listed file; with `lossy`, undecodable bytes become U+FFFD
/// (binaries are still refused).
pub fn read_input(file: &InputFile, lossy: bool) -> Result<Document> {
    use std::io::Read;
    let path = &file.path;
    let mut bytes = Vec::with_capacity(usize::try_from(file.size).map_or(0, |n| n + 1));
    // Through `Take`, so that the read trusts the listed size (room for one byte more shows
    // the end) instead of asking the file system for it again; a file that grew since is
    // still read whole.
    std::fs::File::open(path)
        .and_then(|f| f.take(u64::MAX).read_to_end(&mut bytes))
        .map_err(|e| Error::io(path, e))?;
    decode_document(path, bytes, file.shown.clone(), lossy)
}

/// A file of 0 bytes is refused: there is nothing to extract, and an empty `.txt` is
/// usually a conversion that failed (a scanned PDF has no text layer).
fn decode_document(path: &Path, bytes: Vec<u8>, shown: String, lossy: bool) -> Result<Document> {
    let bad = |reason| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.is_empty() {
        return Err(bad("an empty file (0 bytes)".to_owned()));
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let (text, encoding) = if lossy {
        decode_lossy(&bytes).map_err(bad)?
    } else {
        decode_owned(bytes)
            .map(|(t, e)| (t, e.to_owned()))
            .map_err(bad)?
    };
    Ok(Document {
        path: shown,
        text,
        encoding,
        sha256,
    })
}

/// [`decode`] of bytes the caller gives up: UTF-8 text without a byte-order mark (most
/// documents) becomes the `String` in place, without a copy.
fn decode_owned(bytes: Vec<u8>) -> Result<(String, &'static str), String> {
    if encoding_rs::Encoding::for_bom(&bytes).is_some() || looks_binary(&bytes) {
        return decode(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, "UTF-8")),
        Err(e) => decode(e.as_bytes()),
    }
}

/// Decodes bytes: a byte-order mark decides (UTF-8, UTF-16LE/BE); else valid UTF-8 is
/// UTF-8; else the encoding is detected (chardetng: GB18030/GBK, Big5 and the rest) and the
/// bytes must decode without error. Anything else is refused with a reason that names what
/// the bytes look like or where decoding failed.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!(
                "bytes that are not valid {} after its byte-order mark",
                enc.name()
            ));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if looks_binary(bytes) {
        return Err(format!("looks like {}, not text", describe_binary(bytes)));
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_owned(), "UTF-8")),
        Err(e) => e.valid_up_to(),
    };
    let (valid, invalid) = utf8_census(bytes);
    if mostly_utf8(valid, invalid) {
        return Err(format!(
            "not valid UTF-8 at byte {utf8_error} ({invalid} undecodable sequence{} in UTF-8 text)",
            if invalid == 1 { "" } else { "s" }
        ));
    }
    let enc = detect(bytes);
    if enc == encoding_rs::UTF_8 {
        return Err(format!("not valid UTF-8 at byte {utf8_error}"));
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        let at = first_error(enc, bytes);
        return Err(format!(
            "not valid UTF-8 at byte {utf8_error}, nor {} (undecodable at byte {at})",
            enc.name()
        ));
    }
    Ok((text.into_owned(), enc.name()))
}

/// Decodes like [`decode`], but replaces undecodable bytes with U+FFFD instead of refusing
/// them; the encoding then reads e.g. "gb18030 (lossy)". Binaries are still refused.
pub fn decode_lossy(bytes: &[u8]) -> Result<(String, String), String> {
    let lossy = |text: std::borrow::Cow<'_, str>, name: &str, had_errors: bool| {
        let name = if had_errors {
            format!("{name} (lossy)")
        } else {
            name.to_owned()
        };
        (text.into_owned(), name)
    };
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(lossy(text, enc.name(), had_errors));
    }
    if looks_binary(bytes) {
        return Err(format!("looks like {}, not text", describe_binary(bytes)));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), "UTF-8".to_owned()));
    }
    let (valid, invalid) = utf8_census(bytes);
    let enc = if mostly_utf8(valid, invalid) {
        encoding_rs::UTF_8
    } else {
        detect(bytes)
    };
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Ok(lossy(text, enc.name(), had_errors))
}

/// Non-ASCII characters that are valid UTF-8, and invalid sequences.
fn utf8_census(bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    (valid, invalid)
}

/// UTF-8 text with a few broken bytes (a cut, a stray byte) rather than another encoding:
/// legacy Chinese encodings rarely form valid UTF-8 sequences, so nine in ten non-ASCII
/// sequences being valid UTF-8 tells. Such bytes must not be "detected" as GB18030, which
/// decodes almost any byte pair into wrong characters without an error.
fn mostly_utf8(valid: usize, invalid: usize) -> bool {
    valid >= 4 && invalid * 10 <= valid
}

/// The legacy encoding of non-UTF-8 bytes (chardetng, tuned for Chinese text).
fn detect(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), true);
    // GBK text is decoded as GB18030, its superset, so that nothing is lost.
    if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    }
}

/// The byte offset of the first undecodable sequence (the length when there is none).
fn first_error(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let mut decoder = enc.new_decoder_without_bom_handling();
    // The decoded text is not needed: a small buffer, emptied on every round.
    let mut out = [0u8; 4096];
    let mut read_total = 0;
    loop {
        let (result, read, _) =
            decoder.decode_to_utf8_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                return read_total.saturating_sub(bad as usize + after as usize)
            }
            encoding_rs::DecoderResult::InputEmpty => return read_total,
            encoding_rs::DecoderResult::OutputFull => {}
        }
    }
}

/// Binary: a known file signature, or more than 1% control bytes in the first 8 KiB. Text in
/// any encoding zhitu reads without a byte-order mark (UTF-8, GB18030, Big5 …) has no control
/// bytes but tabs, line ends, form feeds and the odd stray NUL; compressed or machine data
/// has about one in eight.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)) || b == 0x7F)
        .count();
    describe_binary(head) != "a binary file" || controls * 100 > head.len()
}

fn describe_binary(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "a PDF file"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP archive (or a .docx/.xlsx file)"
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        "an old Office file (.doc/.xls)"
    } else if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8\xFF") {
        "an image"
    } else {
        "a binary file"
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk names files from their folder's real path; that must be what resolving each
    /// file finds: for plain files, linked files, files in linked folders, and all of them
    /// outside the working folder (shown as given).
    #[cfg(unix)]
    #[test]
    fn listed_names_are_the_names_resolving_gives() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("corpus/sub")).unwrap();
        std::fs::create_dir_all(d.join("elsewhere")).unwrap();
        std::fs::write(d.join("corpus/a.txt"), "甲").unwrap();
        std::fs::write(d.join("corpus/sub/b.txt"), "乙").unwrap();
        std::fs::write(d.join("elsewhere/c.txt"), "丙").unwrap();
        symlink(d.join("elsewhere/c.txt"), d.join("corpus/link.txt")).unwrap();
        symlink(d.join("elsewhere"), d.join("corpus/linked")).unwrap();
        let ext = ["txt".to_owned()];
        for root in [d.join("corpus"), d.join("corpus/./sub/..")] {
            let inputs = list_inputs(std::slice::from_ref(&root), &ext).unwrap();
            assert_eq!(inputs.files.len(), 4, "{:?}", inputs.files);
            for f in &inputs.files {
                assert_eq!(f.shown, display_path(&f.path), "{}", f.path.display());
            }
            // Not below the working folder: shown as given, the link as the link.
            let link = inputs.files.iter().find(|f| f.path.ends_with("link.txt"));
            assert_eq!(link.unwrap().shown, root.join("link.txt").to_string_lossy());
        }
        // Below it: relative, links resolved.
        let names = Names {
            cwd: Some(d.canonicalize().unwrap()),
        };
        let inputs = list_named(&[d.join("corpus")], &ext, &names).unwrap();
        let shown: Vec<&str> = inputs.files.iter().map(|f| f.shown.as_str()).collect();
        let c = "elsewhere/c.txt";
        assert_eq!(shown, ["corpus/a.txt", c, c, "corpus/sub/b.txt"]);
        for f in &inputs.files {
            assert_eq!(f.shown, names.of(&f.path), "{}", f.path.display());
        }
    }

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        assert_eq!(decode("中关村".as_bytes()).unwrap().0, "中关村");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("海淀".as_bytes());
        assert_eq!(decode(&bom).unwrap().0, "海淀");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "清华".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes).unwrap(), ("清华".to_owned(), "UTF-16LE"));
    }

    #[test]
    fn detects_gbk_and_decodes_it_as_gb18030() {
        let text =
            "中关村科技园区海淀园依托中国科学院、北京大学和清华大学，推动北京协同创新研究院建设。";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_owned(), "gb18030"));
    }

    #[test]
    fn refuses_binaries_and_broken_bytes_with_a_reason() {
        assert!(decode(b"%PDF-1.4\n\0\0").unwrap_err().contains("PDF"));
        let random: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        assert!(decode(&random).unwrap_err().contains("a binary file"));
        assert!(decode_lossy(&random).unwrap_err().contains("a binary file"));
        let nuls = format!("{}\0{}", "中关村".repeat(40), "海淀".repeat(40));
        assert!(decode(nuls.as_bytes()).is_ok(), "a stray NUL in text");
        let err = decode(b"\x81\x30\xff\xfe\xfd\x80\x80").unwrap_err();
        assert!(err.starts_with("not valid UTF-8 at byte 0"), "{err}");
    }

    #[test]
    fn the_first_undecodable_byte_is_found_in_long_text() {
        // An earlier version, which decoded into a String it grew by too little, looped for
        // ever on a lone lead byte such as 0x89 (tests/properties.rs found it).
        assert_eq!(first_error(encoding_rs::GB18030, b"\x89"), 0);
        assert!(decode(b"\x89").is_err());
        let cut = encoding_rs::GBK
            .encode("中关村科技园区海淀园依托清华大学")
            .0;
        assert!(decode(&cut[..cut.len() - 1]).is_err());
        let text = "中关村科技园区海淀园依托北京大学和清华大学。".repeat(300);
        let mut bytes = encoding_rs::GB18030.encode(&text).0.into_owned();
        let at = bytes.len() - 10;
        bytes[at] = 0xFF;
        assert_eq!(first_error(encoding_rs::GB18030, &bytes), at);
        assert_eq!(first_error(encoding_rs::GB18030, b"ab\x81"), 2);
        // An astral character (four bytes in GB18030 and in UTF-8), then a bad byte.
        assert_eq!(
            first_error(encoding_rs::GB18030, &[0x90, 0x30, 0x81, 0x30, 0xFF]),
            4
        );
        assert_eq!(first_error(encoding_rs::GB18030, b"abc"), 3);
    }

    #[test]
    fn utf8_with_a_stray_byte_is_not_taken_for_gb18030() {
        let mut bytes = "中关村科技园区海淀园依托清华大学。".as_bytes().to_vec();
        bytes.insert(9, 0xFF);
        assert_eq!(
            decode(&bytes).unwrap_err(),
            "not valid UTF-8 at byte 9 (1 undecodable sequence in UTF-8 text)"
        );
        assert_eq!(
            decode_lossy(&bytes).unwrap(),
            (
                "中关村\u{FFFD}科技园区海淀园依托清华大学。".to_owned(),
                "UTF-8 (lossy)".to_owned()
            )
        );
    }

    #[test]
    fn lossy_decoding_names_the_encoding_and_keeps_clean_files_exact() {
        let clean = encoding_rs::GBK
            .encode("中关村科技园区海淀园依托北京大学和清华大学。")
            .0
            .into_owned();
        assert_eq!(decode_lossy(&clean).unwrap().1, "gb18030");
        let mut broken = clean.clone();
        broken.insert(6, 0xFF);
        let (text, enc) = decode_lossy(&broken).unwrap();
        assert_eq!(enc, "gb18030 (lossy)");
        assert!(text.starts_with("中关村\u{FFFD}"), "{text}");
        let mut bom = vec![0xFF, 0xFE, 0x2D, 0x4E];
        bom.push(0x00); // half a UTF-16 code unit
        assert_eq!(
            decode_lossy(&bom).unwrap(),
            ("中\u{FFFD}".to_owned(), "UTF-16LE (lossy)".to_owned())
        );
    }
}
