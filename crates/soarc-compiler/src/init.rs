//! The starter spec written by `soarc init`: the guide's ServiceNow scenario, commented
//! so that a SOC engineer can adapt it without reading the docs first.

/// Contents of `sentinel-soar.yaml` as written by `soarc init`.
pub const STARTER: &str = include_str!("init/starter.yaml");

#[cfg(test)]
mod tests {
    #[test]
    fn starter_spec_builds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel-soar.yaml");
        std::fs::write(&path, super::STARTER).unwrap();
        let built = crate::build::build(&[path])
            .unwrap_or_else(|f| panic!("starter spec must build: {:?}", f.diagnostics));
        assert_eq!(built.playbooks, 1);
    }
}
