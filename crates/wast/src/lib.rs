//! Runs WebAssembly spec-style `.wast` scripts against our `wasmtime`
//! embedding API.
//!
//! A [`WastContext`] owns a [`Store`] and a [`Linker`], parses a script with
//! the `wast` crate and executes every directive in it: defining and
//! instantiating modules, registering instances for import, invoking exports
//! and checking `assert_*` expectations. The outcome of a script is a
//! [`WastReport`] which counts passed directives and lists the failed ones
//! (with `file:line:col` locations) instead of stopping at the first failure.
//!
//! ```
//! use wasmtime::{Engine, Store};
//! use wasmtime_wast::WastContext;
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let mut cx = WastContext::new(Store::new(&engine, ()));
//! cx.register_spectest()?;
//! let report = cx.run_buffer("inline.wast", "(module (func (export \"f\") (result i32) i32.const 1))
//!     (assert_return (invoke \"f\") (i32.const 1))")?;
//! assert!(report.failed.is_empty());
//! # Ok(())
//! # }
//! ```

mod component;
mod encode;
mod report;
mod spectest;
#[cfg(test)]
mod tests;
mod values;

use encode::{encode, EncodeError};
pub use report::WastReport;

use anyhow::{anyhow, bail, Context as _, Result};
use std::collections::HashMap;
use std::path::Path;
use wasmtime::{Extern, Instance, Linker, Module, SharedMemory, Store, Trap, Val};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Id;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet};

/// A module or instance slot: either the item, or the reason why creating it
/// failed earlier in the script (so later uses are reported as failures
/// with the original cause).
type Slot<V> = std::result::Result<V, String>;

/// Executes `.wast` scripts inside one store.
///
/// Instances created by a script, and names registered with `register`,
/// stay alive for later scripts run through the same context.
pub struct WastContext<T: 'static> {
    store: Store<T>,
    linker: Linker<T>,
    /// The most recently instantiated module or component, the target of
    /// `invoke`s that name no module.
    current: Option<Slot<Current>>,
    /// Instances by their `$id`.
    instances: HashMap<String, Slot<Instance>>,
    /// Compiled modules by their `$id` (from `module definition` and named
    /// modules).
    modules: HashMap<String, Slot<Module>>,
    /// The most recent `module definition`, for `module instance` without a
    /// module name.
    last_definition: Option<Slot<Module>>,
    /// Instances of the spawning script shared with this one by a `thread`
    /// (`(shared (module $m))`): their shared-memory exports, by instance
    /// name. `register` of such a name defines them.
    shared: HashMap<String, Vec<(String, SharedMemory)>>,
    /// Whether `register_spectest` ran (a `thread` then gets its own).
    spectest: bool,
    /// Components, their instances and the linker they import from.
    components: component::Components<T>,
}

/// The target of `invoke`s that name no instance.
#[derive(Clone, Copy)]
enum Current {
    /// A core module's instance.
    Core(Instance),
    /// A component's instance.
    Component(wasmtime::component::Instance),
}

/// How a directive that passed went.
enum Outcome {
    /// Everything as expected.
    Pass,
    /// Rejected or trapped as expected, but with different wording.
    Mismatch { expected: String, actual: String },
}

/// What executing an `invoke`, `get` or module instantiation produced.
enum Executed {
    /// It completed with these values.
    Values(Vec<Val>),
    /// A component function completed with these values.
    Component(Vec<wasmtime::component::Val>),
    /// The call (or instantiation) itself failed, for example with a trap.
    Error(anyhow::Error),
}

impl<T: Send + 'static> WastContext<T> {
    /// Creates a context that runs scripts inside `store`.
    pub fn new(store: Store<T>) -> Self {
        let mut linker = Linker::new(store.engine());
        // Scripts may `register` the same name more than once; the later
        // registration wins, as in the reference interpreter.
        linker.allow_shadowing(true);
        let components = component::Components::new(store.engine());
        WastContext {
            components,
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            modules: HashMap::new(),
            last_definition: None,
            shared: HashMap::new(),
            spectest: false,
        }
    }

    /// Defines the standard `spectest` module (print functions, globals,
    /// a table and a memory) that the official test suite imports.
    pub fn register_spectest(&mut self) -> Result<()> {
        self.spectest = true;
        spectest::define(&mut self.linker, &mut self.store).anyhow()?;
        component::define_host(&mut self.components.linker)
    }

    /// The store scripts run in.
    pub fn store(&self) -> &Store<T> {
        &self.store
    }

    /// The store scripts run in, mutably.
    pub fn store_mut(&mut self) -> &mut Store<T> {
        &mut self.store
    }

    /// Reads the script at `path` and runs it, see [`WastContext::run_buffer`].
    pub fn run_file(&mut self, path: &Path) -> Result<WastReport> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        self.run_buffer(&path.display().to_string(), &text)
    }

    /// Parses `wast_text` and runs every directive in it.
    ///
    /// `filename` is only used in messages. A script that does not parse is
    /// an error; everything else (wrong results, missing traps, accepted
    /// invalid modules, ...) is recorded in the returned report and the
    /// script continues with the next directive.
    pub fn run_buffer(&mut self, filename: &str, wast_text: &str) -> Result<WastReport> {
        let mut lexer = Lexer::new(wast_text);
        // The test suite deliberately uses unusual code points in names.
        lexer.allow_confusing_unicode(true);
        let with_location = |mut err: wast::Error| {
            err.set_path(Path::new(filename));
            err.set_text(wast_text);
            anyhow::Error::from(err)
        };
        let buf = ParseBuffer::new_with_lexer(lexer).map_err(with_location)?;
        let wast = parser::parse::<Wast<'_>>(&buf).map_err(with_location)?;

        let mut report = WastReport::default();
        std::thread::scope(|scope| {
            self.run_directives(scope, wast.directives, filename, wast_text, &mut report)
        });
        Ok(report)
    }

    /// Runs `directives` in order, recording each outcome in `report`.
    /// A `thread` runs its directives on a new OS thread (inside `scope`)
    /// with its own store on the same engine; `wait` joins it and adds its
    /// outcomes to the report. Threads never waited for are joined at the
    /// end.
    fn run_directives<'scope, 'a: 'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        directives: Vec<WastDirective<'a>>,
        filename: &'scope str,
        wast_text: &'scope str,
        report: &mut WastReport,
    ) {
        type Handle<'s> = std::thread::ScopedJoinHandle<'s, WastReport>;
        let mut threads: HashMap<String, Handle<'scope>> = HashMap::new();
        let join = |name: &str, handle: Handle<'scope>, report: &mut WastReport| match handle.join()
        {
            Ok(child) => {
                report.passed += child.passed;
                report.failed.extend(child.failed);
                report.message_mismatches.extend(child.message_mismatches);
                Ok(())
            }
            Err(_) => Err(anyhow!("thread `${name}` panicked")),
        };
        for directive in directives {
            let span = directive.span();
            let (line, col) = span.linecol_in(wast_text);
            let location = format!("{filename}:{}:{}", line + 1, col + 1);
            let result = match directive {
                WastDirective::Thread(thread) => {
                    let name = thread.name.name().to_string();
                    match self.spawn_context(thread.shared_module) {
                        Ok(mut child) => {
                            let directives = thread.directives;
                            let handle = scope.spawn(move || {
                                let mut child_report = WastReport::default();
                                std::thread::scope(|inner| {
                                    child.run_directives(
                                        inner,
                                        directives,
                                        filename,
                                        wast_text,
                                        &mut child_report,
                                    )
                                });
                                child_report
                            });
                            if let Some(old) = threads.insert(name.clone(), handle) {
                                let _ = join(&name, old, report);
                            }
                            Ok(Outcome::Pass)
                        }
                        Err(e) => Err(e),
                    }
                }
                WastDirective::Wait { thread, .. } => match threads.remove(thread.name()) {
                    Some(handle) => join(thread.name(), handle, report).map(|()| Outcome::Pass),
                    None => Err(anyhow!("no running thread named `${}`", thread.name())),
                },
                other => self.directive(other),
            };
            match result {
                Ok(Outcome::Pass) => report.passed += 1,
                Ok(Outcome::Mismatch { expected, actual }) => {
                    report.passed += 1;
                    report.message_mismatches.push(format!(
                        "{location}: expected message `{expected}`, got `{}`",
                        one_line(&actual)
                    ));
                }
                Err(err) => report
                    .failed
                    .push(format!("{location}: {}", indent(&format!("{err:#}")))),
            }
        }
        for (name, handle) in threads {
            if let Err(err) = join(&name, handle, report) {
                report.failed.push(format!("{filename}: {err}"));
            }
        }
    }

    /// A context for a `thread` directive: a new store on the same engine
    /// (with this store's remaining fuel, if fuel is on, and an epoch
    /// deadline one tick ahead), the `spectest` module if this one has it,
    /// and the shared-memory exports of the instance `shared` names.
    fn spawn_context(&mut self, shared: Option<Id<'_>>) -> Result<WastContext<()>> {
        let mut store = Store::new(self.store.engine(), ());
        // With fuel or epochs on, the thread starts with the fuel this
        // store has left and a deadline one tick ahead (as the runner gives
        // every script's store).
        if let Ok(fuel) = self.store.get_fuel() {
            store.set_fuel(fuel)?;
        }
        store.set_epoch_deadline(1);
        let mut child = WastContext::new(store);
        if self.spectest {
            child.register_spectest()?;
        }
        if let Some(id) = shared {
            let name = id.name();
            let memories = match self.shared.get(name) {
                Some(memories) => memories.clone(),
                None => {
                    let instance = self.lookup_instance(Some(id))?;
                    let exports: Vec<(String, Extern)> = instance
                        .exports(&mut self.store)
                        .map(|e| (e.name().to_string(), e.into_extern()))
                        .collect();
                    let mut memories = Vec::new();
                    for (export, item) in exports {
                        match item {
                            Extern::SharedMemory(m) => memories.push((export, m)),
                            _ => bail!(
                                "`${name}` cannot be shared with a thread: its export                                  `{export}` is not a shared memory"
                            ),
                        }
                    }
                    memories
                }
            };
            child.shared.insert(name.to_string(), memories);
        }
        Ok(child)
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Result<Outcome> {
        let directive = match self.component_directive(directive) {
            component::Routed::Done(outcome) => return outcome,
            component::Routed::Core(directive) => directive,
        };
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name();
                let compiled = self.compile(&mut module);
                let compiled = self.record_module(name, compiled)?;
                self.instantiate(name, Ok(compiled))?;
                Ok(Outcome::Pass)
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name();
                let compiled = self.compile(&mut module);
                let slot = compiled
                    .as_ref()
                    .map(Clone::clone)
                    .map_err(|e| format!("{e:#}"));
                self.last_definition = Some(slot);
                self.record_module(name, compiled)?;
                Ok(Outcome::Pass)
            }
            WastDirective::ModuleInstance {
                span: _,
                instance,
                module,
            } => {
                let module =
                    match module {
                        Some(id) => self.modules.get(id.name()).cloned().ok_or_else(|| {
                            anyhow!("no module named `${}` was defined", id.name())
                        })?,
                        None => self.last_definition.clone().ok_or_else(|| {
                            anyhow!("no module definition precedes this instance")
                        })?,
                    };
                self.instantiate(instance, module)?;
                Ok(Outcome::Pass)
            }
            WastDirective::Register {
                span: _,
                name,
                module,
            } => {
                if let Some(memories) = module.and_then(|id| self.shared.get(id.name())) {
                    for (export, memory) in memories.clone() {
                        self.linker
                            .define(&self.store, name, &export, memory)
                            .anyhow()
                            .with_context(|| format!("failed to register `{name}`"))?;
                    }
                    return Ok(Outcome::Pass);
                }
                let instance = self.lookup_instance(module)?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .anyhow()
                    .with_context(|| format!("failed to register instance as `{name}`"))?;
                Ok(Outcome::Pass)
            }
            WastDirective::Invoke(invoke) => match self.invoke(&invoke)? {
                Executed::Values(_) | Executed::Component(_) => Ok(Outcome::Pass),
                Executed::Error(err) => {
                    Err(err.context(format!("invoking `{}` failed", invoke.name)))
                }
            },
            WastDirective::AssertReturn {
                span: _,
                exec,
                results,
            } => {
                match self.execute(exec)? {
                    Executed::Values(values) => self.check_results(&values, &results)?,
                    Executed::Component(values) => component::check_results(&values, &results)?,
                    Executed::Error(err) => {
                        return Err(err.context("expected a return, but execution failed"))
                    }
                }
                Ok(Outcome::Pass)
            }
            WastDirective::AssertTrap {
                span: _,
                exec,
                message,
            } => match self.execute(exec)? {
                Executed::Values(values) => bail!(
                    "expected trap `{message}`, but execution returned {}",
                    self.describe_vals(&values)
                ),
                Executed::Component(values) => {
                    bail!("expected trap `{message}`, but execution returned {values:?}")
                }
                Executed::Error(err) => {
                    // As in Wasmtime's runner, an error that is not a trap
                    // (say, a failed allocation) counts when its text
                    // carries the expected message.
                    if err.downcast_ref::<Trap>().is_none() && !mentions(&err, message) {
                        return Err(err.context(format!(
                            "expected trap `{message}`, but got an error that is not a trap"
                        )));
                    }
                    Ok(check_message(&err, message))
                }
            },
            WastDirective::AssertExhaustion {
                span: _,
                call,
                message,
            } => match self.invoke(&call)? {
                Executed::Values(values) => bail!(
                    "expected stack exhaustion `{message}`, but execution returned {}",
                    self.describe_vals(&values)
                ),
                Executed::Component(values) => bail!(
                    "expected stack exhaustion `{message}`, but execution returned {values:?}"
                ),
                Executed::Error(err) => match err.downcast_ref::<Trap>() {
                    Some(Trap::StackOverflow) => Ok(check_message(&err, message)),
                    Some(_) => Err(err.context(format!(
                        "expected stack exhaustion `{message}`, but got a different trap"
                    ))),
                    None => Err(err.context(format!(
                        "expected stack exhaustion `{message}`, but got an error that is not a trap"
                    ))),
                },
            },
            WastDirective::AssertInvalid {
                span: _,
                mut module,
                message,
            } => {
                // An invalid module is well-formed: it must get past the text
                // parser and be rejected by decoding/validation.
                let bytes = match encode(&mut module) {
                    Ok(bytes) => bytes,
                    Err(EncodeError::Text(err)) => {
                        return Err(err.context(format!(
                            "expected module to be rejected by validation with `{message}`, \
                             but it failed to parse as text"
                        )))
                    }
                };
                let features = self.store.engine().wasm_features();
                if let Err(err) = wasmtime_environ::decode_only(features, &bytes) {
                    bail!(
                        "expected module to be rejected by validation with `{message}`, \
                         but it is malformed: {err}"
                    );
                }
                match Module::from_binary(self.store.engine(), &bytes).anyhow() {
                    Ok(_) => {
                        bail!("expected module to be rejected with `{message}`, but it compiled")
                    }
                    Err(err) => Ok(check_message(&err, message)),
                }
            }
            WastDirective::AssertMalformed {
                span: _,
                mut module,
                message,
            } => {
                let bytes = match encode(&mut module) {
                    Ok(bytes) => bytes,
                    Err(EncodeError::Text(err)) => return Ok(check_message(&err, message)),
                };
                match Module::from_binary(self.store.engine(), &bytes).anyhow() {
                    Ok(_) => {
                        bail!("expected module to be rejected with `{message}`, but it compiled")
                    }
                    Err(err) => {
                        // A malformed module must already fail to decode,
                        // not merely fail validation.
                        let features = self.store.engine().wasm_features();
                        if wasmtime_environ::decode_only(features, &bytes).is_ok() {
                            bail!(
                                "expected module to be malformed (`{message}`), but it \
                                 decodes and was rejected only by validation: {err:#}"
                            );
                        }
                        Ok(check_message(&err, message))
                    }
                }
            }
            WastDirective::AssertUnlinkable {
                span: _,
                module,
                message,
            } => {
                let mut module = QuoteWat::Wat(module);
                let module = self.compile(&mut module).context(
                    "expected module to compile and then fail to link, but it failed to compile",
                )?;
                match self.linker.instantiate(&mut self.store, &module).anyhow() {
                    Ok(_) => bail!(
                        "expected module to fail to link with `{message}`, but it instantiated"
                    ),
                    Err(err) => {
                        // Wasmtime's scripts expect some instantiation traps
                        // (a data segment out of bounds) as link errors: a
                        // trap counts when it carries the expected message.
                        if err.downcast_ref::<Trap>().is_some() && !mentions(&err, message) {
                            return Err(err.context(format!(
                                "expected a link error `{message}`, but instantiation trapped"
                            )));
                        }
                        Ok(check_message(&err, message))
                    }
                }
            }
            WastDirective::AssertException { span: _, exec } => match self.execute(exec)? {
                Executed::Values(values) => bail!(
                    "expected an exception, but execution returned {}",
                    self.describe_vals(&values)
                ),
                Executed::Component(values) => {
                    bail!("expected an exception, but execution returned {values:?}")
                }
                Executed::Error(err) => {
                    if err.downcast_ref::<wasmtime::ThrownException>().is_none() {
                        return Err(err.context("expected an uncaught exception"));
                    }
                    self.store.take_pending_exception();
                    Ok(Outcome::Pass)
                }
            },
            // A suspension that no handler catches reaches the host as the
            // `UnhandledTag` trap.
            WastDirective::AssertSuspension {
                span: _,
                exec,
                message,
            } => match self.execute(exec)? {
                Executed::Values(values) => bail!(
                    "expected suspension `{message}`, but execution returned {}",
                    self.describe_vals(&values)
                ),
                Executed::Component(values) => {
                    bail!("expected suspension `{message}`, but execution returned {values:?}")
                }
                Executed::Error(err) => {
                    if err.downcast_ref::<Trap>() != Some(&Trap::UnhandledTag) {
                        return Err(err.context(format!(
                            "expected suspension `{message}`, but got another error"
                        )));
                    }
                    Ok(check_message(&err, message))
                }
            },
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                bail!("custom-section assertions are not supported")
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                bail!("`thread` and `wait` are only handled at the top of `run_directives`")
            }
        }
    }

    /// Encodes and compiles a module of the script. Any failure is an error.
    fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Module> {
        let bytes = match encode(module) {
            Ok(bytes) => bytes,
            Err(EncodeError::Text(err)) => return Err(err.context("failed to parse module text")),
        };
        Module::from_binary(self.store.engine(), &bytes)
            .anyhow()
            .context("failed to compile module")
    }

    /// Records a compiled (or failed) module under its `$id`, returning the
    /// module or the compile error.
    fn record_module(&mut self, name: Option<Id<'_>>, compiled: Result<Module>) -> Result<Module> {
        match compiled {
            Ok(module) => {
                if let Some(id) = name {
                    self.modules
                        .insert(id.name().to_string(), Ok(module.clone()));
                }
                Ok(module)
            }
            Err(err) => {
                let reason = format!("{err:#}");
                if let Some(id) = name {
                    self.modules
                        .insert(id.name().to_string(), Err(reason.clone()));
                    self.instances
                        .insert(id.name().to_string(), Err(reason.clone()));
                }
                // Unnamed invokes after a failed module must not silently run
                // against an older instance.
                self.current = Some(Err(reason));
                Err(err)
            }
        }
    }

    /// Instantiates `module` and makes it the current instance (also under
    /// `name`). Failure also poisons those slots.
    fn instantiate(&mut self, name: Option<Id<'_>>, module: Slot<Module>) -> Result<Instance> {
        let result = match module {
            Ok(module) => self
                .linker
                .instantiate(&mut self.store, &module)
                .anyhow()
                .context("failed to instantiate module"),
            Err(reason) => Err(anyhow!("module failed earlier: {reason}")),
        };
        let slot = result.as_ref().map(|i| *i).map_err(|e| format!("{e:#}"));
        if let Some(id) = name {
            self.instances.insert(id.name().to_string(), slot.clone());
            // As in Wasmtime's runner, a named instance is also importable
            // under its name (without the `$`), with no `register` needed.
            if let Ok(instance) = &slot {
                self.linker
                    .instance(&mut self.store, id.name(), *instance)
                    .anyhow()
                    .with_context(|| format!("failed to define instance `${}`", id.name()))?;
            }
        }
        self.current = Some(slot.map(Current::Core));
        result
    }

    fn lookup_instance(&self, id: Option<Id<'_>>) -> Result<Instance> {
        let slot: Slot<Instance> = match id {
            Some(id) => self
                .instances
                .get(id.name())
                .ok_or_else(|| anyhow!("no instance named `${}`", id.name()))?
                .clone(),
            None => match self
                .current
                .as_ref()
                .ok_or_else(|| anyhow!("no module has been instantiated yet"))?
            {
                Ok(Current::Core(instance)) => Ok(*instance),
                Ok(Current::Component(_)) => {
                    bail!("the current instance is a component, not a core module instance")
                }
                Err(reason) => Err(reason.clone()),
            },
        };
        match slot {
            Ok(instance) => Ok(instance),
            Err(reason) => {
                let which = match id {
                    Some(id) => format!("`${}`", id.name()),
                    None => "the current module".to_string(),
                };
                bail!("{which} is not available because it failed earlier: {reason}")
            }
        }
    }

    /// Runs `exec`. `Err` means the directive could not even be set up
    /// (unknown export, compile failure, ...).
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Executed> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(wat) => {
                let mut module = QuoteWat::Wat(wat);
                if encode::is_component(&module) {
                    return self.instantiate_component_for_trap(&mut module);
                }
                let module = self.compile(&mut module)?;
                Ok(
                    match self.linker.instantiate(&mut self.store, &module).anyhow() {
                        Ok(_) => Executed::Values(Vec::new()),
                        Err(err) => Executed::Error(err),
                    },
                )
            }
            WastExecute::Get {
                span: _,
                module,
                global,
            } => {
                let instance = self.lookup_instance(module)?;
                let export = instance
                    .get_export(&mut self.store, global)
                    .ok_or_else(|| anyhow!("no export named `{global}`"))?;
                let global_item = match export {
                    Extern::Global(g) => g,
                    _ => bail!("export `{global}` is not a global"),
                };
                Ok(Executed::Values(vec![global_item.get(&mut self.store)]))
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Executed> {
        if let Some(instance) = self.component_target(invoke.module)? {
            return self.invoke_component(instance, invoke);
        }
        let instance = self.lookup_instance(invoke.module)?;
        let name = invoke.name;
        let export = instance
            .get_export(&mut self.store, name)
            .ok_or_else(|| anyhow!("no export named `{name}`"))?;
        let func = match export {
            Extern::Func(f) => f,
            _ => bail!("export `{name}` is not a function"),
        };
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            args.push(values::arg_to_val(&mut self.store, arg)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
        Ok(
            match func.call(&mut self.store, &args, &mut results).anyhow() {
                Ok(()) => Executed::Values(results),
                Err(err) => Executed::Error(err),
            },
        )
    }

    fn check_results(&mut self, actual: &[Val], expected: &[WastRet<'_>]) -> Result<()> {
        if actual.len() != expected.len() {
            bail!(
                "expected {} results, got {}: {}",
                expected.len(),
                actual.len(),
                self.describe_vals(actual)
            );
        }
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            values::check_ret(&mut self.store, a, e)
                .with_context(|| format!("result {i} mismatch"))?;
        }
        Ok(())
    }

    fn describe_vals(&self, vals: &[Val]) -> String {
        let parts: Vec<String> = vals
            .iter()
            .map(|v| values::describe_val(&self.store, v))
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

/// Turns a `wasmtime` result into an `anyhow` one. This is the identity
/// while `wasmtime::Error` is `anyhow::Error`, and keeps this crate working
/// should the runtime get its own error type convertible to `anyhow`.
trait IntoAnyhow<T> {
    fn anyhow(self) -> Result<T>;
}

impl<T, E> IntoAnyhow<T> for std::result::Result<T, E>
where
    anyhow::Error: From<E>,
{
    fn anyhow(self) -> Result<T> {
        self.map_err(anyhow::Error::from)
    }
}

/// Whether an error's full text (with its causes) contains `expected`.
fn mentions(err: &anyhow::Error, expected: &str) -> bool {
    format!("{err:?}").contains(expected)
}

/// Compares an error's full text against the message the script expects.
fn check_message(err: &anyhow::Error, expected: &str) -> Outcome {
    if mentions(err, expected) {
        Outcome::Pass
    } else {
        Outcome::Mismatch {
            expected: expected.to_string(),
            actual: format!("{err:#}"),
        }
    }
}

fn one_line(s: &str) -> String {
    const MAX: usize = 300;
    let mut out: String = s.split('\n').map(str::trim).collect::<Vec<_>>().join(" | ");
    if out.len() > MAX {
        let mut cut = MAX;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

fn indent(s: &str) -> String {
    s.replace('\n', "\n    ")
}
