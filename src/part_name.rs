//! OOXML part names: where a relationship's target points, as the package names the part.
//! Shared by the reader (which finds each sheet's XML) and the writers (which patch parts).

/// Resolves a relationship target against its source part into a part name.
pub(crate) fn resolve(source: &str, target: &str) -> String {
    let mut stack: Vec<&str> = Vec::new();
    if let Some(abs) = target.strip_prefix('/') {
        return normalize(abs.split('/'), &mut stack);
    }
    let source = source.trim_start_matches('/');
    if let Some((folder, _)) = source.rsplit_once('/') {
        stack.extend(folder.split('/').filter(|s| !s.is_empty()));
    }
    normalize(target.split('/'), &mut stack)
}

fn normalize<'s>(segments: impl Iterator<Item = &'s str>, stack: &mut Vec<&'s str>) -> String {
    for seg in segments {
        match seg {
            "" | "." => {}
            ".." => {
                stack.pop();
            }
            s => stack.push(s),
        }
    }
    stack.join("/")
}
