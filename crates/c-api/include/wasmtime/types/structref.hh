// GC-proposal type classes: StorageType, FieldType and StructType.

#ifndef WASMTIME_TYPES_STRUCTREF_HH
#define WASMTIME_TYPES_STRUCTREF_HH

#include <wasmtime/detail/valtype.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC

/// What a struct field or array element stores: `i8`, `i16` or a value type.
class StorageType {
  wasmtime_storage_type_t ty;
  StorageType(wasmtime_storage_type_kind_t kind) : ty{} { ty.kind = kind; }

public:
  /// A field that stores values of type `valtype`.
  StorageType(const ValType &valtype) : ty{} {
    ty.kind = WASMTIME_STORAGE_TYPE_KIND_VALTYPE;
    ty.valtype = wasm_valtype_copy(valtype.capi());
  }
  /// Packed 8-bit storage.
  static StorageType i8() { return StorageType(WASMTIME_STORAGE_TYPE_KIND_I8); }
  /// Packed 16-bit storage.
  static StorageType i16() {
    return StorageType(WASMTIME_STORAGE_TYPE_KIND_I16);
  }
  /// Copies.
  StorageType(const StorageType &other) {
    wasmtime_storage_type_clone(&other.ty, &ty);
  }
  /// Copies.
  StorageType &operator=(const StorageType &other) {
    if (this != &other) {
      wasmtime_storage_type_delete(&ty);
      wasmtime_storage_type_clone(&other.ty, &ty);
    }
    return *this;
  }
  /// Moves (`other` becomes `i8`).
  StorageType(StorageType &&other) : ty(other.ty) {
    other.ty.kind = WASMTIME_STORAGE_TYPE_KIND_I8;
  }
  /// Moves (`other` becomes `i8`).
  StorageType &operator=(StorageType &&other) {
    if (this != &other) {
      wasmtime_storage_type_delete(&ty);
      ty = other.ty;
      other.ty.kind = WASMTIME_STORAGE_TYPE_KIND_I8;
    }
    return *this;
  }
  ~StorageType() { wasmtime_storage_type_delete(&ty); }

  /// Is it packed `i8`?
  bool is_i8() const { return ty.kind == WASMTIME_STORAGE_TYPE_KIND_I8; }
  /// Is it packed `i16`?
  bool is_i16() const { return ty.kind == WASMTIME_STORAGE_TYPE_KIND_I16; }
  /// The value type, unless packed.
  std::optional<ValType::Ref> as_valtype() const {
    if (ty.kind != WASMTIME_STORAGE_TYPE_KIND_VALTYPE)
      return std::nullopt;
    return ValType::Ref(ty.valtype);
  }
  /// The C form.
  const wasmtime_storage_type_t *capi() const { return &ty; }
};

/// A struct field or array element type: storage plus mutability.
class FieldType {
  wasmtime_field_type_t ty;

public:
  /// Adopts the C form `ty`.
  FieldType(wasmtime_field_type_t ty) : ty(ty) {}
  /// A field storing `storage`, mutable or not.
  FieldType(bool is_mutable, const StorageType &storage) : ty{} {
    ty.mutable_ = is_mutable;
    wasmtime_storage_type_clone(storage.capi(), &ty.storage);
  }
  /// A mutable field.
  static FieldType mut_(const StorageType &storage) {
    return FieldType(true, storage);
  }
  /// An immutable field.
  static FieldType const_(const StorageType &storage) {
    return FieldType(false, storage);
  }
  /// Copies.
  FieldType(const FieldType &other) { wasmtime_field_type_clone(&other.ty, &ty); }
  /// Copies.
  FieldType &operator=(const FieldType &other) {
    if (this != &other) {
      wasmtime_field_type_delete(&ty);
      wasmtime_field_type_clone(&other.ty, &ty);
    }
    return *this;
  }
  /// Moves.
  FieldType(FieldType &&other) : ty(other.ty) {
    other.ty.storage.kind = WASMTIME_STORAGE_TYPE_KIND_I8;
  }
  /// Moves.
  FieldType &operator=(FieldType &&other) {
    if (this != &other) {
      wasmtime_field_type_delete(&ty);
      ty = other.ty;
      other.ty.storage.kind = WASMTIME_STORAGE_TYPE_KIND_I8;
    }
    return *this;
  }
  ~FieldType() { wasmtime_field_type_delete(&ty); }

  /// Can the field be written?
  bool is_mutable() const { return ty.mutable_; }
  /// What the field stores.
  const StorageType &storage_type() const {
    static_assert(sizeof(StorageType) == sizeof(wasmtime_storage_type_t));
    return *reinterpret_cast<const StorageType *>(&ty.storage);
  }
  /// The C form.
  const wasmtime_field_type_t *capi() const { return &ty; }
};

/// A struct type, registered with an engine.
class StructType {
  WASMTIME_CXX_CLONED_HANDLE(StructType, wasmtime_struct_type,
                             wasmtime_struct_type_copy)

public:
  /// A struct type with `fields`, in order.
  /// (An invalid field type gives a null handle, which has no fields.)
  StructType(const Engine &engine, const std::vector<FieldType> &fields)
      : ptr(wasmtime_struct_type_new(
            engine.capi(),
            reinterpret_cast<const wasmtime_field_type_t *>(fields.data()),
            fields.size())) {
    static_assert(sizeof(FieldType) == sizeof(wasmtime_field_type_t));
  }
  /// Number of fields.
  size_t num_fields() const {
    return ptr ? wasmtime_struct_type_num_fields(ptr.get()) : 0;
  }
  /// The field at `index`, if it exists.
  std::optional<FieldType> field(size_t index) const {
    wasmtime_field_type_t out{};
    if (!ptr || !wasmtime_struct_type_field(ptr.get(), index, &out))
      return std::nullopt;
    return FieldType(out);
  }
};

#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_TYPES_STRUCTREF_HH
