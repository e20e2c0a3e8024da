//! Component-model scripts: `(component ...)` directives (also
//! `definition`, `instance`, quoted and binary forms), `invoke`s of
//! component functions with component values (`u32.const`, `str.const`,
//! `record.const`, ...), and the component forms of `assert_return`,
//! `assert_trap`, `assert_invalid`, `assert_malformed` and
//! `assert_unlinkable`.
//!
//! Component instances live in the context's store; they import from their
//! own component [`Linker`], which [`define_host`] fills with the host
//! functions and resources the test scripts import.

use crate::encode::{encode, is_component, EncodeError};
use crate::{check_message, Current, Executed, Outcome, Slot, WastContext};
use anyhow::{anyhow, bail, Context as _, Result};
use std::collections::HashMap;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Instance, Linker, Val};
use wasmtime::Engine;
use wast::token::Id;
use wast::{QuoteWat, WastDirective, WastInvoke, Wat};

mod host;
mod values;

pub(crate) use host::define_host;
pub(crate) use values::check_results;

/// The component half of a [`WastContext`].
pub(crate) struct Components<T: 'static> {
    /// What components import from.
    pub(crate) linker: Linker<T>,
    /// Component instances by their `$id`.
    instances: HashMap<String, Slot<Instance>>,
    /// Components by their `$id` (from `component definition` and named
    /// components).
    definitions: HashMap<String, Slot<Component>>,
    /// The most recent `component definition`.
    last_definition: Option<Slot<Component>>,
    /// Whether the most recent `definition` directive defined a component
    /// (rather than a core module): the target of an unnamed `instance`.
    last_definition_is_component: bool,
}

impl<T: 'static> Components<T> {
    pub(crate) fn new(engine: &Engine) -> Self {
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        Components {
            linker,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            last_definition_is_component: false,
        }
    }
}

/// Where [`WastContext::component_directive`] sent a directive.
pub(crate) enum Routed<'a> {
    /// It was about components and ran, with this outcome.
    Done(Result<Outcome>),
    /// It is for the core runner.
    Core(WastDirective<'a>),
}

impl<T: Send + 'static> WastContext<T> {
    /// Runs `directive` if it is about components; otherwise hands it back
    /// for the core runner.
    pub(crate) fn component_directive<'a>(&mut self, directive: WastDirective<'a>) -> Routed<'a> {
        Routed::Done(match directive {
            WastDirective::Module(mut module) if is_component(&module) => {
                let name = module.name();
                let compiled = self.compile_component(&mut module);
                self.record_component(name, compiled)
                    .and_then(|c| self.instantiate_component(name, Ok(c)))
                    .map(|_| Outcome::Pass)
            }
            WastDirective::ModuleDefinition(mut module) if is_component(&module) => {
                let name = module.name();
                let compiled = self.compile_component(&mut module);
                let slot = compiled.as_ref().map(Clone::clone);
                self.components.last_definition = Some(slot.map_err(|e| format!("{e:#}")));
                self.components.last_definition_is_component = true;
                self.record_component(name, compiled).map(|_| Outcome::Pass)
            }
            WastDirective::ModuleDefinition(module) => {
                self.components.last_definition_is_component = false;
                return Routed::Core(WastDirective::ModuleDefinition(module));
            }
            WastDirective::ModuleInstance {
                span,
                instance,
                module,
            } => {
                let definition = match module {
                    Some(id) => self.components.definitions.get(id.name()).cloned(),
                    None if self.components.last_definition_is_component => {
                        self.components.last_definition.clone()
                    }
                    None => None,
                };
                match definition {
                    Some(component) => self
                        .instantiate_component(instance, component)
                        .map(|_| Outcome::Pass),
                    None => {
                        return Routed::Core(WastDirective::ModuleInstance {
                            span,
                            instance,
                            module,
                        })
                    }
                }
            }
            WastDirective::AssertInvalid {
                span: _,
                mut module,
                message,
            } if is_component(&module) => self.assert_invalid_component(&mut module, message),
            WastDirective::AssertMalformed {
                span: _,
                mut module,
                message,
            } if is_component(&module) => self.assert_malformed_component(&mut module, message),
            WastDirective::AssertUnlinkable {
                span: _,
                module: module @ Wat::Component(_),
                message,
            } => self.assert_unlinkable_component(QuoteWat::Wat(module), message),
            WastDirective::Register { span, name, module } => match self.component_target(module) {
                Ok(Some(_)) => Err(anyhow!(
                    "`register` of a component instance is not supported"
                )),
                Ok(None) => return Routed::Core(WastDirective::Register { span, name, module }),
                Err(err) => Err(err),
            },
            other => return Routed::Core(other),
        })
    }

    /// Encodes and compiles a component of the script.
    fn compile_component(&self, module: &mut QuoteWat<'_>) -> Result<Component> {
        let bytes = match encode(module) {
            Ok(bytes) => bytes,
            Err(EncodeError::Text(err)) => {
                return Err(err.context("failed to parse component text"))
            }
        };
        Component::from_binary(self.store.engine(), &bytes).context("failed to compile component")
    }

    /// Records a compiled (or failed) component under its `$id`.
    fn record_component(
        &mut self,
        name: Option<Id<'_>>,
        compiled: Result<Component>,
    ) -> Result<Component> {
        let slot = compiled
            .as_ref()
            .map(Clone::clone)
            .map_err(|e| format!("{e:#}"));
        if let Some(id) = name {
            self.components
                .definitions
                .insert(id.name().to_string(), slot.clone());
            if let Err(reason) = &slot {
                self.components
                    .instances
                    .insert(id.name().to_string(), Err(reason.clone()));
            }
        }
        if let Err(reason) = slot {
            // Later unnamed invokes must not run against an older instance.
            self.current = Some(Err(reason));
        }
        compiled
    }

    /// Instantiates `component`, making the instance current (and known as
    /// `name`). A failure poisons those slots.
    fn instantiate_component(
        &mut self,
        name: Option<Id<'_>>,
        component: Slot<Component>,
    ) -> Result<Instance> {
        let result = match &component {
            Ok(component) => self
                .components
                .linker
                .instantiate(&mut self.store, component)
                .context("failed to instantiate component"),
            Err(reason) => Err(anyhow!("component failed earlier: {reason}")),
        };
        let slot = result.as_ref().map(|i| *i).map_err(|e| format!("{e:#}"));
        if let Some(id) = name {
            self.components
                .instances
                .insert(id.name().to_string(), slot.clone());
            if let (Ok(instance), Ok(component)) = (&slot, &component) {
                self.register_component_exports(id.name(), *instance, component)?;
            }
        }
        self.current = Some(slot.map(Current::Component));
        result
    }

    /// Makes the core modules and resource types a named instance exports
    /// importable by later components, as an instance of the same name in
    /// the linker (as Wasmtime's script runner does).
    fn register_component_exports(
        &mut self,
        name: &str,
        instance: Instance,
        component: &Component,
    ) -> Result<()> {
        let engine = self.store.engine().clone();
        let ty = component.component_type();
        for (export, item) in ty.exports(&engine) {
            match item.ty {
                ComponentItem::Module(_) => {
                    if let Some(module) = instance.get_module(&mut self.store, export) {
                        self.components
                            .linker
                            .instance(name)?
                            .module(export, &module)?;
                    }
                }
                ComponentItem::Resource(_) => {
                    if let Some(resource) = instance.get_resource(&mut self.store, export) {
                        self.components.linker.instance(name)?.resource(
                            export,
                            resource,
                            |_, _| Ok(()),
                        )?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The component instance an `invoke` naming `id` (or no instance)
    /// targets, or `None` when that is a core instance.
    pub(crate) fn component_target(&self, id: Option<Id<'_>>) -> Result<Option<Instance>> {
        let slot = match id {
            Some(id) => match self.components.instances.get(id.name()) {
                Some(slot) => slot.clone(),
                None => return Ok(None),
            },
            None => match &self.current {
                Some(Ok(Current::Component(instance))) => Ok(*instance),
                _ => return Ok(None),
            },
        };
        match slot {
            Ok(instance) => Ok(Some(instance)),
            Err(reason) => bail!("the component instance failed earlier: {reason}"),
        }
    }

    /// Calls the exported function `invoke.name` of `instance`.
    pub(crate) fn invoke_component(
        &mut self,
        instance: Instance,
        invoke: &WastInvoke<'_>,
    ) -> Result<Executed> {
        let name = invoke.name;
        let func = instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| anyhow!("no function named `{name}` exported"))?;
        let args = invoke
            .args
            .iter()
            .map(values::arg_to_val)
            .collect::<Result<Vec<_>>>()?;
        let mut results = vec![Val::Bool(false); func.ty(&self.store).results().len()];
        // On a fiber, so that the call can wait for host futures and other
        // tasks.
        let call = func.call_async(&mut self.store, &args, &mut results);
        Ok(match host::block_on(call) {
            Ok(()) => Executed::Component(results),
            Err(err) => Executed::Error(err),
        })
    }

    /// Compiles and instantiates a component of `assert_trap`: an
    /// instantiation failure is the execution's error.
    pub(crate) fn instantiate_component_for_trap(
        &mut self,
        module: &mut QuoteWat<'_>,
    ) -> Result<Executed> {
        let component = self.compile_component(module)?;
        Ok(
            match self
                .components
                .linker
                .instantiate(&mut self.store, &component)
            {
                Ok(_) => Executed::Component(Vec::new()),
                Err(err) => Executed::Error(err),
            },
        )
    }

    fn assert_invalid_component(
        &mut self,
        module: &mut QuoteWat<'_>,
        message: &str,
    ) -> Result<Outcome> {
        let bytes = match encode(module) {
            Ok(bytes) => bytes,
            Err(EncodeError::Text(err)) => {
                return Err(err.context(format!(
                    "expected component to be rejected by validation with `{message}`, \
                     but it failed to parse as text"
                )))
            }
        };
        match Component::from_binary(self.store.engine(), &bytes) {
            Ok(_) => bail!("expected component to be rejected with `{message}`, but it compiled"),
            Err(err) => Ok(check_message(&err, message)),
        }
    }

    fn assert_malformed_component(
        &mut self,
        module: &mut QuoteWat<'_>,
        message: &str,
    ) -> Result<Outcome> {
        let bytes = match encode(module) {
            Ok(bytes) => bytes,
            Err(EncodeError::Text(err)) => return Ok(check_message(&err, message)),
        };
        match Component::from_binary(self.store.engine(), &bytes) {
            Ok(_) => bail!("expected component to be rejected with `{message}`, but it compiled"),
            Err(err) => Ok(check_message(&err, message)),
        }
    }

    fn assert_unlinkable_component(
        &mut self,
        mut module: QuoteWat<'_>,
        message: &str,
    ) -> Result<Outcome> {
        let component = self.compile_component(&mut module).context(
            "expected component to compile and then fail to link, but it failed to compile",
        )?;
        match self
            .components
            .linker
            .instantiate(&mut self.store, &component)
        {
            Ok(_) => {
                bail!("expected component to fail to link with `{message}`, but it instantiated")
            }
            Err(err) => Ok(check_message(&err, message)),
        }
    }
}
