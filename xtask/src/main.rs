fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned();
    let dir = std::env::var_os("PINTEREST_SPEC_DIR").map(std::path::PathBuf::from);
    let loaded = pinterest_v5_codegen::load_pinned(&root, dir.as_deref()).unwrap();
    let n = pinterest_v5_codegen::normalize(loaded.document);
    println!("{:?}", n.counts);
    let g = pinterest_v5_codegen::generate(&n).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write("/tmp/gen.rs", g.to_source()).unwrap();
    println!("{:?}", g.postprocess_counts);
}
