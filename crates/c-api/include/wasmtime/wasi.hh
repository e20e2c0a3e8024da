// wasmtime::WasiConfig: the WASI preview 1 context of a store (arguments,
// environment, stdio, pre-opened directories, network).

#ifndef WASMTIME_WASI_HH
#define WASMTIME_WASI_HH

#include <wasmtime/detail/wrappers.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_WASI
/// What a WASI program may see. Handed to `Store::Context::set_wasi`.
class WasiConfig {
  WASMTIME_CXX_OWNED_HANDLE(WasiConfig, wasi_config)

public:
  /// Nothing inherited, nothing pre-opened.
  WasiConfig() : ptr(wasi_config_new()) {}

  /// The program's arguments (argv[0] included).
  void argv(const std::vector<std::string> &args) {
    std::vector<const char *> c_args;
    c_args.reserve(args.size());
    for (const std::string &arg : args)
      c_args.push_back(arg.c_str());
    wasi_config_set_argv(ptr.get(), c_args.size(), c_args.data());
  }
  /// The host process's arguments.
  void inherit_argv() { wasi_config_inherit_argv(ptr.get()); }

  /// The program's environment, as name/value pairs.
  void env(const std::vector<std::pair<std::string, std::string>> &env) {
    std::vector<const char *> names, values;
    names.reserve(env.size());
    values.reserve(env.size());
    for (const auto &entry : env) {
      names.push_back(entry.first.c_str());
      values.push_back(entry.second.c_str());
    }
    wasi_config_set_env(ptr.get(), env.size(), names.data(), values.data());
  }
  /// The host process's environment.
  void inherit_env() { wasi_config_inherit_env(ptr.get()); }

  /// Reads stdin from the file at `path`; false if it cannot be opened.
  [[nodiscard]] bool stdin_file(const std::string &path) {
    return wasi_config_set_stdin_file(ptr.get(), path.c_str());
  }
  /// The host's stdin.
  void inherit_stdin() { wasi_config_inherit_stdin(ptr.get()); }
  /// Writes stdout to the file at `path`; false if it cannot be created.
  [[nodiscard]] bool stdout_file(const std::string &path) {
    return wasi_config_set_stdout_file(ptr.get(), path.c_str());
  }
  /// The host's stdout.
  void inherit_stdout() { wasi_config_inherit_stdout(ptr.get()); }
  /// Writes stderr to the file at `path`; false if it cannot be created.
  [[nodiscard]] bool stderr_file(const std::string &path) {
    return wasi_config_set_stderr_file(ptr.get(), path.c_str());
  }
  /// The host's stderr.
  void inherit_stderr() { wasi_config_inherit_stderr(ptr.get()); }

  /// Makes host directory `path` visible as `guest_path`, writable if
  /// `fs_mutable`; false if it cannot be opened.
  [[nodiscard]] bool preopen_dir(const std::string &path,
                                 const std::string &guest_path,
                                 bool fs_mutable) {
    return wasi_config_preopen_dir(ptr.get(), path.c_str(), guest_path.c_str(),
                                   fs_mutable);
  }
  /// Lets the program use the host's network.
  void inherit_network() { wasi_config_inherit_network(ptr.get()); }
  /// Lets the program resolve host names.
  void allow_ip_name_lookup(bool enable) {
    wasi_config_allow_ip_name_lookup(ptr.get(), enable);
  }
};
#endif // WASMTIME_FEATURE_WASI

} // namespace wasmtime

#endif // WASMTIME_WASI_HH
