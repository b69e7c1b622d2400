//! `zhitu explain`: what extraction found in each sentence, and by which rule.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use zhitu::extract::analyse;
use zhitu::read::read_document;
use zhitu::Error;

use crate::Cli;

pub fn run(cli: &Cli, file: &Path, grep: Option<&str>, rejected: bool) -> Result<ExitCode, Error> {
    let k = crate::knowledge(cli)?;
    let doc = read_document(file)?;
    let a = analyse(&doc.text, &k);
    let ents = &a.entities;
    let name = |e: usize| format!("{} [{}]", ents.entities[e].name, ents.entities[e].kind);
    let mut o = std::io::stdout().lock();
    let w =
        |o: &mut dyn Write, s: String| writeln!(o, "{s}").map_err(|e| Error::Output(e.to_string()));
    w(
        &mut o,
        format!(
            "{}: {} sentences, {} mentions, {} entities, {} relations",
            doc.path,
            a.sentences.len(),
            a.mentions.mentions.len(),
            ents.entities.len(),
            a.relations.len()
        ),
    )?;
    if let Some(m) = ents.main_subject {
        w(&mut o, format!("main subject: {}", name(m)))?;
    }
    for s in &a.sentences {
        let text = s.text(&a.clean);
        if grep.is_some_and(|g| !text.contains(g)) {
            continue;
        }
        let (os, oe) = a.clean.original_range(s.start, s.end);
        w(&mut o, format!("\n[{}] chars {os}..{oe}: {text}", s.index))?;
        for (i, m) in a
            .mentions
            .mentions
            .iter()
            .enumerate()
            .filter(|(_, m)| m.sentence == s.index)
        {
            let e = ents.of_mention[i];
            w(
                &mut o,
                format!(
                    "  mention  {:<24} → {:<28} by {}",
                    &a.clean.text[m.start..m.end],
                    name(e),
                    m.rule
                ),
            )?;
        }
        if rejected {
            for r in a
                .mentions
                .rejected
                .iter()
                .filter(|r| s.start <= r.start && r.end <= s.end)
            {
                w(
                    &mut o,
                    format!("  rejected {:<24} by {}: {}", r.text, r.rule, r.reason),
                )?;
            }
        }
        for r in &a.relations {
            for ev in r.evidence.iter().filter(|ev| ev.sentence == s.index) {
                let trigger = ev
                    .trigger
                    .map(|(a0, b0)| format!(" on “{}”", &a.clean.text[a0..b0]))
                    .unwrap_or_default();
                let implicit = if ev.implicit { " (implicit)" } else { "" };
                w(
                    &mut o,
                    format!(
                        "  relation {} {} {}{implicit} by {}{trigger}",
                        name(r.subject),
                        r.predicate,
                        name(r.object),
                        ev.rule
                    ),
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
