//! No module imports another in a circle, in any crate of the workspace: a change to a module
//! can only reach the modules above it. Read from the source files' `crate::` and `super::`
//! paths, file by file (a module and the modules it contains may name each other: a `mod.rs`
//! re-exports its children, and the children use its shared helpers); test code is left out.
//!
//! Cargo checks this between crates; within one it does not, and no pinned tool for it builds
//! in the suite's time budget (cargo-modules compiles rust-analyzer), so this test reads the
//! paths itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules are checked, by their `src` directory.
const CRATES: [&str; 6] = [
    "shared/src",
    "functions/src",
    "devstack/src",
    "bench/src",
    "ops/src",
    "verifier/src",
];

#[test]
fn no_module_imports_another_in_a_circle() {
    let root = devstack::repo_root();
    let mut circles = Vec::new();
    for krate in CRATES {
        let graph = module_graph(&root.join(krate));
        assert!(graph.len() >= 3, "{krate}: read {} modules", graph.len());
        for circle in strongly_connected(&graph) {
            let names: Vec<String> = circle
                .iter()
                .map(|m| format!("{krate}/{}", m.display()))
                .collect();
            circles.push(names.join(" ⇄ "));
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other in a circle:\n{}",
        circles.join("\n")
    );
}

/// The layers of `shared`, bottom first: a module may import its own layer and the ones
/// below, never one above. A context (`marketplace`, `collector`, `notification`, `listener`,
/// `identity`) is a directory whose modules sit on several layers: its pure rules low, its
/// stores above the table, its use cases above the app, so the direction holds inside every
/// context and between them. A module is placed by the longest prefix listed.
const LAYERS: &[(&str, &[&str])] = &[
    // The one error type sits low while use cases still return it (issue 15, stage 5).
    // The event contract (channels, their topics' names, payloads, the stored record) is data.
    (
        "values",
        &["kernel", "edge::error", "edge::codes", "events"],
    ),
    (
        "aws",
        &[
            "infra::aws",
            "infra::tls",
            "infra::config",
            "infra::sealed",
            "infra::metrics",
            "infra::xray",
        ],
    ),
    ("table", &["store"]),
    (
        "identity",
        &[
            "identity::auth",
            "identity::oauth",
            "identity::store",
            "identity::verified",
        ],
    ),
    // Values in the published shapes that several aggregates' rules hold.
    ("values of the marketplace", &["marketplace::common"]),
    ("rules", &RULES),
    ("adapters", &["infra::presign", "infra::delivery"]),
    ("app", &["infra::app"]),
    (
        "stores",
        &[
            "marketplace::store",
            "collector::store",
            "notification::store",
            "listener::store",
        ],
    ),
    (
        "wire",
        &[
            "marketplace::wire",
            "collector::wire",
            "identity::wire",
            "notification::wire",
            "listener::wire",
        ],
    ),
    (
        "use cases",
        &[
            "marketplace::usecases",
            "collector::usecases",
            "collector::dispatch",
            "notification::usecases",
            "notification::feed",
            "listener::usecases",
            "listener::hub",
            "identity::clients",
            "identity::sign_up",
            "identity::auto_sign_up",
        ],
    ),
    ("edge", &["edge", "events::publish"]),
];

/// The pure rules of each context: no I/O, typed rejections, nothing of the edge.
const RULES: [&str; 16] = [
    "kernel::quota",
    "marketplace::common",
    "marketplace::form",
    "marketplace::message",
    "marketplace::offer",
    "marketplace::organization",
    "marketplace::referral",
    "marketplace::sequence",
    "marketplace::subscription",
    "marketplace::take_rate",
    "marketplace::visit",
    "collector::rules",
    "notification::rules",
    "listener::rules",
    "listener::webhook",
    "events::catalogue",
];

/// `marketplace::offer::tests` → the index in [`LAYERS`] of its longest listed prefix.
fn layer_of(module: &[String]) -> Option<usize> {
    let name = module.join("::");
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, prefixes))| prefixes.iter().map(move |p| (i, *p)))
        .filter(|(_, p)| name == *p || name.starts_with(&format!("{p}::")))
        .max_by_key(|(_, p)| p.len())
        .map(|(i, _)| i)
}

#[test]
fn shared_imports_only_downwards() {
    let src = devstack::repo_root().join("shared/src");
    let graph = module_graph(&src);
    let mut unplaced = Vec::new();
    let mut upwards = Vec::new();
    for (file, targets) in &graph {
        let module = module_path(file);
        if module.is_empty() || module.len() == 1 && !file.ends_with(".rs") {
            continue;
        }
        let Some(mine) = layer_of(&module) else {
            unplaced.push(file.display().to_string());
            continue;
        };
        for target in targets {
            let theirs = layer_of(&module_path(target)).unwrap_or(0);
            if theirs > mine {
                upwards.push(format!(
                    "{} ({}) imports {} ({})",
                    file.display(),
                    LAYERS[mine].0,
                    target.display(),
                    LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules of shared in no layer (add them to LAYERS in tests/structure/modules.rs):\n{}",
        unplaced.join("\n")
    );
    assert!(
        upwards.is_empty(),
        "imports against the layers:\n{}",
        upwards.join("\n")
    );
}

/// The edge's names: the error type, its catalogues, the HTTP adapter and the mapping of
/// rejections to statuses.
const EDGE: [&str; 5] = [
    "ApiError",
    "crate::edge::error",
    "crate::edge::codes",
    "crate::edge::http",
    "crate::edge::rejections",
];

#[test]
fn the_rules_do_not_know_the_edge() {
    let src = devstack::repo_root().join("shared/src");
    let mut found = Vec::new();
    let mut read = 0;
    for file in rust_files(&src) {
        let module = module_path(&file).join("::");
        if !RULES
            .iter()
            .any(|r| module == *r || module.starts_with(&format!("{r}::")))
        {
            continue;
        }
        read += 1;
        let code = code_of(&std::fs::read_to_string(src.join(&file)).unwrap());
        for name in EDGE.iter().filter(|n| code.contains(*n)) {
            found.push(format!("shared/src/{}: {name}", file.display()));
        }
    }
    assert!(read >= RULES.len(), "read {read} rule modules");
    assert!(
        found.is_empty(),
        "rule modules name the edge (give them a typed rejection, mapped in \
         shared/src/edge/rejections.rs):\n{}",
        found.join("\n")
    );
}

/// The use cases answer in the domain's terms: no public function of a use-case module returns
/// a type of a wire module. Handlers render the answer (`OutboxOfferDetail::from(&offer)`), and a
/// creating use case that stores its response under an idempotency key takes the rendering as a
/// `respond` closure. Requests and queries (the wire's input types) may still be arguments.
#[test]
fn use_cases_return_domain_results() {
    let src = devstack::repo_root().join("shared/src");
    let layer = |name: &str| LAYERS.iter().position(|(n, _)| *n == name).unwrap();
    let (wire, use_cases) = (layer("wire"), layer("use cases"));
    let files = rust_files(&src);
    let in_layer = |i: usize| {
        files
            .iter()
            .filter(move |f| layer_of(&module_path(f)) == Some(i))
            .map(|f| (f, code_of(&std::fs::read_to_string(src.join(f)).unwrap())))
    };
    let wire_types: BTreeSet<String> = in_layer(wire)
        .flat_map(|(_, code)| declared_types(&code))
        .collect();
    assert!(
        wire_types.len() > 50,
        "read {} wire types",
        wire_types.len()
    );
    let mut found = Vec::new();
    let mut read = 0;
    for (file, code) in in_layer(use_cases) {
        for (function, returns) in public_returns(&code) {
            read += 1;
            let named: Vec<&str> = identifiers(&returns)
                .filter(|t| wire_types.contains(*t))
                .collect();
            if !named.is_empty() {
                found.push(format!(
                    "shared/src/{}: {function} returns {}",
                    file.display(),
                    named.join(", ")
                ));
            }
        }
    }
    assert!(read > 100, "read {read} use-case functions");
    assert!(
        found.is_empty(),
        "use cases that return wire views (return the domain's result and render it in the \
         handler, or take a `respond` closure):\n{}",
        found.join("\n")
    );
}

/// The names of the `pub struct`s and `pub enum`s a file declares.
fn declared_types(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for keyword in ["pub struct ", "pub enum "] {
        for (i, _) in code.match_indices(keyword) {
            let name: String = code[i + keyword.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

/// `(name, return type)` of each public function of a file: the text after the `->` that
/// follows its parameters (outside any parentheses, so a closure parameter's `->` is not it),
/// up to its `where` or body.
fn public_returns(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for visibility in ["pub ", "pub(crate) "] {
        for (i, _) in code.match_indices(visibility) {
            let rest = &code[i + visibility.len()..];
            let Some(rest) = rest
                .strip_prefix("async fn ")
                .or_else(|| rest.strip_prefix("fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
            if let Some(returns) = return_type(signature) {
                out.push((name, returns));
            }
        }
    }
    out
}

/// The return type of a signature (from its name on, without the body).
fn return_type(signature: &str) -> Option<String> {
    let mut depth = 0i32;
    for (j, c) in signature.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '-' if depth == 0 && signature[j..].starts_with("->") => {
                let r = &signature[j + 2..];
                return Some(r.split("where").next().unwrap_or(r).to_owned());
            }
            _ => {}
        }
    }
    None
}

fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

/// A file of `shared` (tests aside) holds at most this many lines: past it, a file has grown
/// several concerns and is split by them (issue 15 found 879- and 1,088-line files).
const MAX_FILE_LINES: usize = 600;

#[test]
fn no_file_of_shared_outgrows_one_concern() {
    let src = devstack::repo_root().join("shared/src");
    let long: Vec<String> = rust_files(&src)
        .iter()
        .map(|f| {
            (
                f,
                std::fs::read_to_string(src.join(f))
                    .unwrap()
                    .lines()
                    .count(),
            )
        })
        .filter(|(_, n)| *n > MAX_FILE_LINES)
        .map(|(f, n)| format!("shared/src/{}: {n} lines", f.display()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them by concern):\n{}",
        long.join("\n")
    );
}

#[test]
fn a_circle_is_found() {
    let graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = [
        ("a.rs", vec!["b.rs"]),
        ("b.rs", vec!["c.rs"]),
        ("c.rs", vec!["a.rs"]),
        ("d.rs", vec!["a.rs"]),
    ]
    .into_iter()
    .map(|(m, to)| (m.into(), to.into_iter().map(PathBuf::from).collect()))
    .collect();
    let circles = strongly_connected(&graph);
    assert_eq!(circles.len(), 1);
    assert_eq!(circles[0].len(), 3);
    assert_eq!(
        paths_in("use crate::{a::b, c}; fn f() { crate::d::e::F; super::g::h(); }"),
        [
            ("crate", "a::b"),
            ("crate", "c"),
            ("crate", "d::e::F"),
            ("super", "g::h")
        ]
        .map(|(k, p)| (k.to_owned(), p.to_owned()))
    );
}

/// Each module file of the crate (relative to `src`) → the module files it names, without its
/// own ancestors and descendants.
fn module_graph(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let files = rust_files(src);
    let modules: BTreeMap<Vec<String>, PathBuf> =
        files.iter().map(|f| (module_path(f), f.clone())).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let me = module_path(file);
        let code = code_of(&std::fs::read_to_string(src.join(file)).unwrap());
        let mut targets = BTreeSet::new();
        for (anchor, path) in paths_in(&code) {
            let mut segments: Vec<String> = match anchor.as_str() {
                "crate" => vec![],
                _ => me[..me.len().saturating_sub(1)].to_vec(),
            };
            segments.extend(path.split("::").map(str::to_owned));
            // The longest prefix that is a module file is the module named.
            let target = (0..=segments.len())
                .rev()
                .find_map(|n| modules.get(&segments[..n]).map(|f| (n, f)));
            if let Some((n, target)) = target {
                let related = segments[..n].starts_with(&me) || me.starts_with(&segments[..n]);
                if !related {
                    targets.insert(target.clone());
                }
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

/// A file's code without its test module and comments: inline test modules sit at the end of
/// a file, by the house style, and comments (and the doc links in them) import nothing.
fn code_of(text: &str) -> String {
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn rust_files(src: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // `bin/` holds crate roots of their own, not modules of this one.
                if path.file_name().is_some_and(|n| n != "bin") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_stem().is_some_and(|s| s != "tests")
            {
                out.push(path.strip_prefix(src).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// `domain/visit.rs` → `[domain, visit]`; `db/mod.rs` → `[db]`; `lib.rs` → `[]`.
fn module_path(file: &Path) -> Vec<String> {
    let mut segments: Vec<String> = file
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

/// Every path that starts at `crate::` or `super::`, with `{…}` groups expanded:
/// `(anchor, rest)`.
fn paths_in(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for anchor in ["crate", "super"] {
        let needle = format!("{anchor}::");
        let mut rest = code;
        while let Some(i) = rest.find(&needle) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + needle.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            expand(rest, String::new(), &mut |p| {
                out.push((anchor.to_owned(), p))
            });
        }
    }
    out
}

/// Reads one path (or `{…}` group of them) at the start of `text`, calling `emit` with each
/// full path after `prefix`.
fn expand(text: &str, prefix: String, emit: &mut dyn FnMut(String)) {
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(group[start..i].trim_start(), prefix.clone(), emit);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(group[start..i].trim_start(), prefix.clone(), emit);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let path = text[..end].trim_end_matches(':');
    let full = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("{prefix}::{path}")
    };
    if text[end..].starts_with('{') && text[..end].ends_with("::") {
        expand(&text[end..], full, emit);
    } else if !path.is_empty() {
        emit(full);
    }
}

/// The groups of two or more modules that reach each other (Tarjan's algorithm).
fn strongly_connected(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct State<'g> {
        graph: &'g BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        on_stack: BTreeSet<&'g PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g PathBuf) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.found.push(group);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}
