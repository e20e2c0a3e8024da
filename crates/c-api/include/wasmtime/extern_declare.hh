// wasmtime::Extern: any of the items a module imports or exports.

#ifndef WASMTIME_EXTERN_DECLARE_HH
#define WASMTIME_EXTERN_DECLARE_HH

#include <variant>

namespace wasmtime {

class Global;
class Func;
class Memory;
class Table;
class Tag;

/// A function, global, memory, table or tag of some store.
typedef std::variant<Func, Global, Memory, Table, Tag> Extern;

} // namespace wasmtime

#endif // WASMTIME_EXTERN_DECLARE_HH
