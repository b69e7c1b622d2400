//! `zhitu eval`: extraction scored against gold files, the referee's way.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zhitu::eval::{Counts, Gold, Score};
use zhitu::extract::extract;
use zhitu::read::read_document;
use zhitu::Error;

use crate::Cli;

pub fn run(
    cli: &Cli,
    files: &[PathBuf],
    dir: Option<&Path>,
    summary: bool,
    floor: Option<&Path>,
) -> Result<ExitCode, Error> {
    let k = crate::knowledge(cli)?;
    let mut golds: Vec<PathBuf> = files.to_vec();
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        golds.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".gold.json")),
        );
    }
    golds.sort();
    if golds.is_empty() {
        return Err(Error::Query(
            "no gold files: give FILE.gold.json or --gold DIR".into(),
        ));
    }
    let mut total = Score::default();
    let mut per_doc = Vec::new();
    for g in &golds {
        let gold = Gold::load(g)?;
        let text_path = g.parent().unwrap_or(Path::new(".")).join(&gold.document);
        let doc = read_document(&text_path)?;
        let graph = extract(&doc, &k);
        let mut one = Score::default();
        one.add(&gold, &graph, None);
        per_doc.push((
            gold.document.clone(),
            one.entities_typed,
            one.relations_all,
            one.relations_explicit,
        ));
        total.add(&gold, &graph, Some(&doc.text));
    }
    let mut o = std::io::stdout().lock();
    let io = |e: std::io::Error| Error::Output(e.to_string());
    if !summary && !cli.quiet {
        for n in &total.notes {
            writeln!(o, "== {}", n.document).map_err(io)?;
            for (title, rows) in [
                ("missed entities", &n.missed_entities),
                ("false entities", &n.false_entities),
                ("wrong type", &n.wrong_types),
                ("missed relations", &n.missed_relations),
                ("false relations", &n.false_relations),
            ] {
                if !rows.is_empty() {
                    writeln!(o, "-- {title} ({})", rows.len()).map_err(io)?;
                    for r in rows {
                        writeln!(o, "   {r}").map_err(io)?;
                    }
                }
            }
        }
        writeln!(o).map_err(io)?;
    }
    let row = |o: &mut dyn Write, label: &str, c: &Counts| {
        let (p, r, f) = c.prf();
        writeln!(
            o,
            "{label:<26} {p:6.3} {r:6.3} {f:6.3} {:5} {:5} {:5}",
            c.tp, c.predicted, c.gold
        )
    };
    writeln!(
        o,
        "{:<26} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}",
        "", "P", "R", "F1", "tp", "pred", "gold"
    )
    .map_err(io)?;
    for (label, c) in [
        ("entities_typed", &total.entities_typed),
        ("entities_untyped", &total.entities_untyped),
        ("relations_all", &total.relations_all),
        ("relations_explicit", &total.relations_explicit),
    ] {
        row(&mut o, label, c).map_err(io)?;
    }
    for (t, c) in &total.by_type {
        row(&mut o, &format!("  {t}"), c).map_err(io)?;
    }
    for (p, c) in &total.by_predicate {
        row(&mut o, &format!("  {p}"), c).map_err(io)?;
    }
    if golds.len() > 1 {
        writeln!(
            o,
            "\n{:<44} {:>8} {:>8} {:>8}",
            "document (F1)", "entities", "rel all", "rel expl"
        )
        .map_err(io)?;
        for (d, e, r, x) in &per_doc {
            writeln!(
                o,
                "{d:<44} {:8.3} {:8.3} {:8.3}",
                e.prf().2,
                r.prf().2,
                x.prf().2
            )
            .map_err(io)?;
        }
    }
    if !summary {
        writeln!(o, "\n{:<44} {:>5} {:>5}", "rule", "tp", "fp").map_err(io)?;
        for (rule, c) in &total.by_rule {
            writeln!(o, "{rule:<44} {:5} {:5}", c.tp, c.fp).map_err(io)?;
        }
    }
    if let Some(floor) = floor {
        let text = std::fs::read_to_string(floor).map_err(|e| Error::Io {
            path: floor.to_path_buf(),
            source: e,
        })?;
        let floors: BTreeMap<String, f64> =
            toml::from_str(&text).map_err(|e| Error::Knowledge {
                path: floor.to_path_buf(),
                line: 0,
                message: e.to_string(),
            })?;
        let mut failed = false;
        for (name, min) in &floors {
            let c = match name.as_str() {
                "entities_typed" => total.entities_typed,
                "entities_untyped" => total.entities_untyped,
                "relations_all" => total.relations_all,
                "relations_explicit" => total.relations_explicit,
                other => {
                    return Err(Error::Knowledge {
                        path: floor.to_path_buf(),
                        line: 0,
                        message: format!("unknown figure {other:?}"),
                    })
                }
            };
            let f = c.prf().2;
            if f + 1e-9 < *min {
                writeln!(o, "FLOOR BROKEN: {name} F1 {f:.3} < {min:.3}").map_err(io)?;
                failed = true;
            }
        }
        if failed {
            return Ok(ExitCode::from(1));
        }
        writeln!(o, "quality floors hold ({})", floor.display()).map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}
