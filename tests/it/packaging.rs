//! Packaging files parse and say what they must (Docker itself is not
//! available on the build machine, so compose is checked, not run).

use std::path::Path;

fn repo(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn compose_parses_and_has_the_three_services() {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&repo("docker-compose.yml")).expect("valid YAML");
    let services = doc["services"].as_mapping().expect("services");
    for name in ["rounds", "postgres", "synapse"] {
        assert!(
            services.contains_key(serde_yaml::Value::from(name)),
            "{name} missing"
        );
    }
    let env = &doc["services"]["rounds"]["environment"];
    assert!(
        env["DATABASE_URL"]
            .as_str()
            .unwrap()
            .starts_with("postgres://")
    );
    assert_eq!(
        env["MATRIX_HOMESERVER_URL"].as_str(),
        Some("http://synapse:8008")
    );
}

#[test]
fn dockerfile_is_multi_stage_and_non_root() {
    let df = repo("Dockerfile");
    assert!(df.matches("\nFROM ").count() + usize::from(df.starts_with("FROM ")) >= 2);
    assert!(df.contains("USER rounds"));
}

#[test]
fn top_level_holds_exactly_the_agreed_files() {
    let mut names: Vec<String> = std::fs::read_dir(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !n.starts_with('.')
                && n != "target"
                && !n.ends_with(".db")
                && !n.contains(".db-")
                && n != "data"
        })
        .collect();
    names.sort();
    let allowed = [
        "Cargo.lock",
        "Cargo.toml",
        "Dockerfile",
        "README.md",
        "config",
        "docker-compose.yml",
        "migrations",
        "src",
        "tests",
    ];
    for n in &names {
        assert!(
            allowed.contains(&n.as_str()),
            "unexpected top-level entry {n}"
        );
    }
}

#[test]
fn migrations_are_mirrored() {
    let list = |db: &str| {
        let mut v: Vec<String> = std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(db),
        )
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
    assert!(!list("sqlite").is_empty());
}

#[test]
fn no_platform_crates_outside_adapters() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    for f in files {
        if f.starts_with(src.join("adapters")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for krate in ["serenity::", "poise::", "matrix_sdk::"] {
            assert!(!text.contains(krate), "{} uses {krate}", f.display());
        }
    }
}
