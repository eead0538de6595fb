//! How deep a JSON document nests, found by one pass over its bytes: no recursion, no allocation.

/// Whether `json` holds objects and arrays nested more than `max` deep (a top-level object is 1 deep). Brackets
/// inside strings do not count. Only well-formed JSON is answered exactly; the parser refuses the rest anyway.
pub fn deeper_than(json: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::deeper_than;

    fn nested(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn depth_counts_objects_and_arrays_not_brackets_in_strings() {
        assert!(!deeper_than(b"1", 0));
        assert!(deeper_than(b"{}", 0));
        assert!(!deeper_than(b"{}", 1));
        assert!(!deeper_than(nested(64).as_bytes(), 64));
        assert!(deeper_than(nested(65).as_bytes(), 64));
        assert!(deeper_than(nested(10_000).as_bytes(), 64));
        let siblings = format!("[{}]", vec![nested(63); 100].join(","));
        assert!(!deeper_than(siblings.as_bytes(), 64));
        assert!(!deeper_than(br#"{"a":"[[[[{{{{","b":{"c":[1,2]}}"#, 3));
        assert!(!deeper_than(br#"{"a":"\"[[[[\\","b":1}"#, 1));
        assert!(deeper_than(br#"{"a":"\\\\",  "b":[[1]]}"#, 2));
    }
}
