//! Branch hints change where code is laid out: the unlikely successor of a
//! hinted `if` or `br_if` comes after the hot path. Observed through the
//! address map (machine-code offset -> wasm offset) of the compiled code:
//! each arm calls a different import, and a call cannot move, so the code
//! offset of each call instruction tells where its arm was placed.

use wasmtime_cranelift::{CompilerConfig, CraneliftCompiler};
use wasmtime_environ::wasmparser::{Operator, WasmFeatures};
use wasmtime_environ::*;

/// Four imports, `$a` to `$d`, for the arms to call.
const IMPORTS: &str = r#"
  (import "env" "a" (func $a))
  (import "env" "b" (func $b))
  (import "env" "c" (func $c))
  (import "env" "d" (func $d))
"#;

/// Where the calls of the (single) defined function of `module_body` end
/// up: for each import called, the largest code offset of the code
/// translated from its `call`, and the code offset of the function's
/// final `end` (its return). `branch_hinting` is the tunable used both to
/// translate and to compile.
struct Layout {
    calls: Vec<Option<u32>>,
    ret: u32,
    /// The machine code.
    code: Vec<u8>,
}

fn layout(module_body: &str, branch_hinting: bool) -> Layout {
    let wat = format!("(module {IMPORTS} {module_body})");
    let wasm = wat::parse_str(&wat).unwrap();
    let tunables = Tunables {
        branch_hinting,
        ..Tunables::default()
    };
    let translation = translate_module_with(WasmFeatures::default(), &tunables, &wasm).unwrap();
    let module = &translation.module;
    let offsets = VMOffsets::new(module);
    let compiler = CraneliftCompiler::new(&CompilerConfig {
        enable_verifier: true,
        ..CompilerConfig::default()
    })
    .unwrap();
    let (index, body) = translation.function_bodies.into_iter().next().unwrap();
    assert_eq!(
        body.branch_hints.is_empty(),
        !branch_hinting,
        "hints read exactly when branch hinting is on"
    );

    // The wasm offset of each `call` and of the last `end`.
    let mut call_sites = [None; 4];
    let mut last = 0;
    let mut ops = body.body.get_operators_reader().unwrap();
    while !ops.eof() {
        let offset = ops.original_position() as u32;
        if let Operator::Call { function_index } = ops.read().unwrap() {
            call_sites[function_index as usize] = Some(offset);
        }
        last = offset;
    }

    let f = compiler
        .compile_function(module, &offsets, &tunables, index, body)
        .unwrap();
    let code_of = |wasm: u32| {
        f.address_map
            .iter()
            .filter(|(_, w)| *w == wasm)
            .map(|(c, _)| *c)
            .max()
    };
    Layout {
        calls: call_sites
            .iter()
            .map(|site| site.and_then(code_of))
            .collect(),
        ret: code_of(last).expect("the final end has code"),
        code: f.body.clone(),
    }
}

fn hinted(template: &str, hint: Option<u8>) -> (String, bool) {
    match hint {
        Some(byte) => (
            template.replace(
                "HINT",
                &format!("(@metadata.code.branch_hint \"\\{byte:02x}\")"),
            ),
            true,
        ),
        None => (template.replace("HINT", ""), false),
    }
}

const IF_ELSE: &str = r#"
  (func (param i32)
    local.get 0
    HINT
    if
      call $a
    else
      call $b
    end
    call $c)
"#;

#[test]
fn if_unlikely_moves_the_then_arm_last() {
    let (wat, on) = hinted(IF_ELSE, None);
    let plain = layout(&wat, on);
    let [a, b, c] = [0, 1, 2].map(|i| plain.calls[i].unwrap());
    assert!(
        a < c && b < c,
        "without hints both arms precede what follows"
    );

    let (wat, on) = hinted(IF_ELSE, Some(0));
    let cold_then = layout(&wat, on);
    let [a, b, c] = [0, 1, 2].map(|i| cold_then.calls[i].unwrap());
    assert!(
        b < c && c < a,
        "the then arm comes after the rest: {a} {b} {c}"
    );
    assert!(a > cold_then.ret, "after the return too");
}

#[test]
fn if_likely_moves_the_else_arm_last() {
    let (wat, on) = hinted(IF_ELSE, None);
    let plain = layout(&wat, on);
    let [a, b, c] = [0, 1, 2].map(|i| plain.calls[i].unwrap());
    assert!(
        a < c && b < c,
        "without hints both arms precede what follows"
    );

    let (wat, on) = hinted(IF_ELSE, Some(1));
    let cold_else = layout(&wat, on);
    let [a, b, c] = [0, 1, 2].map(|i| cold_else.calls[i].unwrap());
    assert!(
        a < c && c < b,
        "the else arm comes after the rest: {a} {b} {c}"
    );
    assert!(b > cold_else.ret, "after the return too");
}

/// An `if` without `else`: a likely condition makes the (empty) false path
/// cold, so the then arm falls through into the code after the `if`.
#[test]
fn if_without_else() {
    let body = r#"
      (func (param i32)
        local.get 0
        HINT
        if
          call $a
        end
        call $b)
    "#;
    for hint in [None, Some(0), Some(1)] {
        let (wat, on) = hinted(body, hint);
        let l = layout(&wat, on);
        let (a, b) = (l.calls[0].unwrap(), l.calls[1].unwrap());
        match hint {
            Some(0) => assert!(b < a, "unlikely then arm after the rest"),
            _ => assert!(a < b, "then arm in place ({hint:?})"),
        }
    }
}

const BR_IF: &str = r#"
  (func (param i32)
    block
      local.get 0
      HINT
      br_if 0
      call $a
    end
    call $b
    local.get 0
    if
      call $c
    end
    call $d)
"#;

#[test]
fn br_if_likely_taken_moves_the_fall_through_last() {
    let (wat, on) = hinted(BR_IF, None);
    let plain = layout(&wat, on);
    assert!(plain.calls[0].unwrap() < plain.calls[1].unwrap());

    let (wat, on) = hinted(BR_IF, Some(1));
    let l = layout(&wat, on);
    let a = l.calls[0].unwrap();
    assert!(
        l.calls[1..].iter().all(|c| c.unwrap() < a),
        "the fall-through comes after the rest"
    );
    assert!(a > l.ret);
}

/// An unlikely `br_if` must not move its target, which the fall-through
/// path reaches too: the code after the `block` keeps its place before the
/// later `if`'s arm.
#[test]
fn br_if_unlikely_keeps_its_target_in_place() {
    for hint in [None, Some(0)] {
        let (wat, on) = hinted(BR_IF, hint);
        let l = layout(&wat, on);
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| l.calls[i].unwrap());
        assert!(
            a < b && b < c && c < d,
            "in order ({hint:?}): {a} {b} {c} {d}"
        );
        assert!(d < l.ret);
    }
}

/// With branch hinting off the section is not even read, so hints change
/// nothing.
#[test]
fn hints_ignored_when_off() {
    let (wat, _) = hinted(IF_ELSE, Some(0));
    let off = layout(&wat, false);
    let (wat, _) = hinted(IF_ELSE, None);
    let plain = layout(&wat, false);
    assert_eq!(off.calls, plain.calls);
}

/// A loop's back edge hinted taken keeps its layout: the exit already falls
/// through, and moving it out of line would add a jump to every iteration.
/// Hinted not taken, the back edge leaves the loop's hot path (the exit
/// falls through, the branch goes to a cold block that jumps back).
#[test]
fn loop_back_edge() {
    let body = r#"
      (func (param i32)
        (loop $l
          call $a
          (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
          HINT
          br_if $l)
        call $b)
    "#;
    let (wat, on) = hinted(body, None);
    let plain = layout(&wat, on);
    let (wat, on) = hinted(body, Some(1));
    let likely = layout(&wat, on);
    assert_eq!(plain.code, likely.code, "taken back edge: same code");
    let (wat, on) = hinted(body, Some(0));
    let unlikely = layout(&wat, on);
    assert_ne!(plain.code, unlikely.code);
    let [a, b] = [0, 1].map(|i| unlikely.calls[i].unwrap());
    assert!(a < b && b < unlikely.ret, "loop, then the exit, in order");
}
