//! What every CLI test binary needs: the repository and a `zhitu` command wired to its
//! knowledge folder. (Each file under tests/ is its own binary; not all use every helper.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root (sample documents in `input/`, knowledge in `ontology/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `zhitu`, run in `dir` (so paths are shown and stored relative to it).
pub fn zhitu_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zhitu").unwrap();
    c.current_dir(dir)
        .env("ZHITU_ONTOLOGY", repo().join("ontology"));
    c
}

/// `zhitu`, run in the repository.
pub fn zhitu() -> Command {
    zhitu_in(&repo())
}
