// Internal: the component and instance type classes and `ComponentItem`,
// which refer to each other, defined together so that either public header
// (types/component.hh, types/instance.hh) can be included first.

#ifndef WASMTIME_DETAIL_COMPONENT_ITEMS_HH
#define WASMTIME_DETAIL_COMPONENT_ITEMS_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <cassert>
#include <wasmtime/component/types/component.h>
#include <wasmtime/component/types/func.hh>
#include <wasmtime/component/types/module.hh>
#include <wasmtime/component/types/val.hh>
#include <wasmtime/engine.hh>
#include <wasmtime/types/func.hh>

namespace wasmtime {
namespace component {

class ComponentItem;

/// The type of a component: its named imports and exports.
class ComponentType {
  WASMTIME_CXX_CLONED_HANDLE(ComponentType, wasmtime_component_type,
                             wasmtime_component_type_clone)

public:
  /// How many imports the component has.
  size_t import_count(const Engine &engine) const {
    return wasmtime_component_type_import_count(capi(), engine.capi());
  }
  /// The import named `name`, if there is one.
  std::optional<ComponentItem> import_get(const Engine &engine,
                                          std::string_view name) const;
  /// The name and item of import `nth`, or nothing past the end.
  std::optional<std::pair<std::string_view, ComponentItem>>
  import_nth(const Engine &engine, size_t nth) const;
  /// How many exports the component has.
  size_t export_count(const Engine &engine) const {
    return wasmtime_component_type_export_count(capi(), engine.capi());
  }
  /// The export named `name`, if there is one.
  std::optional<ComponentItem> export_get(const Engine &engine,
                                          std::string_view name) const;
  /// The name and item of export `nth`, or nothing past the end.
  std::optional<std::pair<std::string_view, ComponentItem>>
  export_nth(const Engine &engine, size_t nth) const;
};

/// The type of a component instance: its named exports.
class ComponentInstanceType {
  WASMTIME_CXX_CLONED_HANDLE(ComponentInstanceType,
                             wasmtime_component_instance_type,
                             wasmtime_component_instance_type_clone)

public:
  /// How many exports the instance has.
  size_t export_count(const Engine &engine) const {
    return wasmtime_component_instance_type_export_count(capi(), engine.capi());
  }
  /// The export named `name`, if there is one.
  std::optional<ComponentItem> export_get(const Engine &engine,
                                          std::string_view name) const;
  /// The name and item of export `nth`, or nothing past the end.
  std::optional<std::pair<std::string_view, ComponentItem>>
  export_nth(const Engine &engine, size_t nth) const;
};

/// One import or export in a component or instance type: a component, an
/// instance, a core module, a function, a resource, a core function or a
/// value type. Holds a `wasmtime_component_item_t` by value.
class ComponentItem {
  wasmtime_component_item_t item;

  // Leaves `raw` as an item that owns nothing.
  static void clear(wasmtime_component_item_t &raw) {
    raw.kind = WASMTIME_COMPONENT_ITEM_TYPE;
    raw.of.type.kind = WASMTIME_COMPONENT_VALTYPE_BOOL;
  }

public:
  /// Adopts `raw`, leaving it owning nothing.
  explicit ComponentItem(wasmtime_component_item_t &&raw) : item(raw) {
    clear(raw);
  }
  /// A deep copy.
  ComponentItem(const ComponentItem &other) {
    wasmtime_component_item_clone(&other.item, &item);
  }
  /// A deep copy.
  ComponentItem &operator=(const ComponentItem &other) {
    if (this != &other) {
      wasmtime_component_item_delete(&item);
      wasmtime_component_item_clone(&other.item, &item);
    }
    return *this;
  }
  /// Takes `other`'s item.
  ComponentItem(ComponentItem &&other) : item(other.item) { clear(other.item); }
  /// Takes `other`'s item.
  ComponentItem &operator=(ComponentItem &&other) {
    if (this != &other) {
      wasmtime_component_item_delete(&item);
      item = other.item;
      clear(other.item);
    }
    return *this;
  }
  ~ComponentItem() { wasmtime_component_item_delete(&item); }

  /// Whether this is a component.
  bool is_component() const {
    return item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT;
  }
  /// Whether this is a component instance.
  bool is_component_instance() const {
    return item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE;
  }
  /// Whether this is a core module.
  bool is_module() const { return item.kind == WASMTIME_COMPONENT_ITEM_MODULE; }
  /// Whether this is a component function.
  bool is_component_func() const {
    return item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC;
  }
  /// Whether this is a resource.
  bool is_resource() const {
    return item.kind == WASMTIME_COMPONENT_ITEM_RESOURCE;
  }
  /// Whether this is a core function.
  bool is_core_func() const {
    return item.kind == WASMTIME_COMPONENT_ITEM_CORE_FUNC;
  }
  /// Whether this is a value type.
  bool is_type() const { return item.kind == WASMTIME_COMPONENT_ITEM_TYPE; }

  /// The component type (asserts the kind).
  const ComponentType &component() const {
    assert(is_component());
    return *ComponentType::from_capi(&item.of.component);
  }
  /// The instance type (asserts the kind).
  const ComponentInstanceType &component_instance() const {
    assert(is_component_instance());
    return *ComponentInstanceType::from_capi(&item.of.component_instance);
  }
  /// The module type (asserts the kind).
  const ModuleType &module() const {
    assert(is_module());
    return *ModuleType::from_capi(&item.of.module);
  }
  /// The function type (asserts the kind).
  const FuncType &component_func() const {
    assert(is_component_func());
    return *FuncType::from_capi(&item.of.component_func);
  }
  /// The resource type (asserts the kind).
  const ResourceType &resource() const {
    assert(is_resource());
    return *ResourceType::from_capi(&item.of.resource);
  }
  /// The core function type (asserts the kind).
  wasmtime::FuncType::Ref core_func() const {
    assert(is_core_func());
    return item.of.core_func;
  }
  /// The value type (asserts the kind).
  const ValType &type() const {
    assert(is_type());
    return *ValType::from_capi(&item.of.type);
  }
};

namespace detail {
// Adapts the C API's `*_get` lookups of items by name.
template <typename Getter>
std::optional<ComponentItem> item_by_name(std::string_view name,
                                          Getter &&getter) {
  wasmtime_component_item_t out;
  if (!getter(name.data(), name.size(), &out))
    return std::nullopt;
  return ComponentItem(std::move(out));
}
// Adapts the C API's `*_nth` lookups of named items.
template <typename Getter>
std::optional<std::pair<std::string_view, ComponentItem>>
item_by_index(Getter &&getter) {
  const char *data = nullptr;
  size_t len = 0;
  wasmtime_component_item_t out;
  if (!getter(&data, &len, &out))
    return std::nullopt;
  return std::make_pair(std::string_view(data, len),
                        ComponentItem(std::move(out)));
}
} // namespace detail

inline std::optional<ComponentItem>
ComponentType::import_get(const Engine &engine, std::string_view name) const {
  return detail::item_by_name(name, [&](const char *n, size_t l, auto *out) {
    return wasmtime_component_type_import_get(capi(), engine.capi(), n, l, out);
  });
}

inline std::optional<std::pair<std::string_view, ComponentItem>>
ComponentType::import_nth(const Engine &engine, size_t nth) const {
  return detail::item_by_index([&](const char **n, size_t *l, auto *out) {
    return wasmtime_component_type_import_nth(capi(), engine.capi(), nth, n, l,
                                              out);
  });
}

inline std::optional<ComponentItem>
ComponentType::export_get(const Engine &engine, std::string_view name) const {
  return detail::item_by_name(name, [&](const char *n, size_t l, auto *out) {
    return wasmtime_component_type_export_get(capi(), engine.capi(), n, l, out);
  });
}

inline std::optional<std::pair<std::string_view, ComponentItem>>
ComponentType::export_nth(const Engine &engine, size_t nth) const {
  return detail::item_by_index([&](const char **n, size_t *l, auto *out) {
    return wasmtime_component_type_export_nth(capi(), engine.capi(), nth, n, l,
                                              out);
  });
}

inline std::optional<ComponentItem>
ComponentInstanceType::export_get(const Engine &engine,
                                  std::string_view name) const {
  return detail::item_by_name(name, [&](const char *n, size_t l, auto *out) {
    return wasmtime_component_instance_type_export_get(capi(), engine.capi(), n,
                                                       l, out);
  });
}

inline std::optional<std::pair<std::string_view, ComponentItem>>
ComponentInstanceType::export_nth(const Engine &engine, size_t nth) const {
  return detail::item_by_index([&](const char **n, size_t *l, auto *out) {
    return wasmtime_component_instance_type_export_nth(capi(), engine.capi(),
                                                       nth, n, l, out);
  });
}

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_DETAIL_COMPONENT_ITEMS_HH
