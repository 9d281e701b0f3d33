//! Names of the built-in Azure roles a playbook deployment commonly assigns, so that a graph or
//! a diff says "Microsoft Sentinel Responder" rather than a GUID. Ids from Learn, "Azure built-in
//! roles" (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles, and its
//! Security page https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security).
//! An unknown id is shown as the id.

/// Sorted by id, for a binary search.
const KNOWN: &[(&str, &str)] = &[
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c4a72b9d",
        "User Access Administrator",
    ),
    (
        "3e150937-b8fe-4cfb-8069-0eaf05ecd056",
        "Microsoft Sentinel Responder",
    ),
    (
        "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Secrets User",
    ),
    (
        "87a39d53-fc1b-424a-814c-f7e04687dc9e",
        "Logic App Contributor",
    ),
    (
        "8d289c81-5878-46d4-8554-54e1e3d8b5cb",
        "Microsoft Sentinel Reader",
    ),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    (
        "ab8e14d6-4a74-4a29-9ba8-549422addade",
        "Microsoft Sentinel Contributor",
    ),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    (
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets Officer",
    ),
    (
        "f4c81013-99ee-4d62-a7ee-b3f1f648599a",
        "Microsoft Sentinel Automation Contributor",
    ),
];

/// The built-in role's name for a role definition id (a bare GUID), if it is one we know.
pub fn name(id: &str) -> Option<&'static str> {
    let id = id.to_ascii_lowercase();
    KNOWN
        .binary_search_by(|(k, _)| (*k).cmp(id.as_str()))
        .ok()
        .map(|i| KNOWN[i].1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_found() {
        assert!(super::KNOWN.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            super::name("3E150937-B8FE-4CFB-8069-0EAF05ECD056"),
            Some("Microsoft Sentinel Responder")
        );
        assert_eq!(super::name("00000000-0000-0000-0000-000000000000"), None);
    }
}
