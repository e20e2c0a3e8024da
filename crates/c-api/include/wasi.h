/*
 * WASI preview 1 configuration for a store: arguments, environment, standard streams and pre-opened directories.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASI_H
#define WASI_H

#include "wasm.h"
#include <stdint.h>
#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_WASI

#ifndef WASI_API_EXTERN
#ifdef _WIN32
#define WASI_API_EXTERN __declspec(dllimport)
#else
#define WASI_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define own

#define WASI_DECLARE_OWN(name)                                                 \
  typedef struct wasi_##name##_t wasi_##name##_t;                              \
  WASI_API_EXTERN void wasi_##name##_delete(own wasi_##name##_t *);

WASI_DECLARE_OWN(config)

/// Empty settings: no arguments, environment, streams or directories.
WASI_API_EXTERN own wasi_config_t *wasi_config_new();

/// Gives the guest the host's network.
WASI_API_EXTERN void wasi_config_inherit_network(wasi_config_t *config);

/// Allows name lookups (`ip-name-lookup`).
WASI_API_EXTERN void wasi_config_allow_ip_name_lookup(wasi_config_t *config,
                                                      bool enable);

/// Sets the arguments; false if one is not UTF-8.
WASI_API_EXTERN bool wasi_config_set_argv(wasi_config_t *config, size_t argc,
                                          const char *argv[]);

/// Uses the host process's arguments.
WASI_API_EXTERN void wasi_config_inherit_argv(wasi_config_t *config);

/// Sets the environment; false if a name or value is not UTF-8.
WASI_API_EXTERN bool wasi_config_set_env(wasi_config_t *config, size_t envc,
                                         const char *names[],
                                         const char *values[]);

/// Uses the host process's environment.
WASI_API_EXTERN void wasi_config_inherit_env(wasi_config_t *config);

/// Reads standard input from the file at `path`; false if it cannot be opened.
WASI_API_EXTERN bool wasi_config_set_stdin_file(wasi_config_t *config,
                                                const char *path);

/// Reads standard input from `binary` (whose bytes are taken).
WASI_API_EXTERN void wasi_config_set_stdin_bytes(wasi_config_t *config,
                                                 wasm_byte_vec_t *binary);

/// Uses the host's standard input.
WASI_API_EXTERN void wasi_config_inherit_stdin(wasi_config_t *config);

/// Writes standard output to the file at `path` (created or truncated).
WASI_API_EXTERN bool wasi_config_set_stdout_file(wasi_config_t *config,
                                                 const char *path);

/// Uses the host's standard output.
WASI_API_EXTERN void wasi_config_inherit_stdout(wasi_config_t *config);

/// Sends standard output to `callback` (which returns the bytes it took,
/// or a negative value for an error).
WASI_API_EXTERN void wasi_config_set_stdout_custom(
    wasi_config_t *config,
    ptrdiff_t (*callback)(void *, const unsigned char *, size_t), void *data,
    void (*finalizer)(void *));

/// Writes standard error to the file at `path` (created or truncated).
WASI_API_EXTERN bool wasi_config_set_stderr_file(wasi_config_t *config,
                                                 const char *path);

/// Uses the host's standard error.
WASI_API_EXTERN void wasi_config_inherit_stderr(wasi_config_t *config);

/// Sends standard error to `callback` (as `wasi_config_set_stdout_custom`).
WASI_API_EXTERN void wasi_config_set_stderr_custom(
    wasi_config_t *config,
    ptrdiff_t (*callback)(void *, const unsigned char *, size_t), void *data,
    void (*finalizer)(void *));

typedef size_t wasi_file_perms;

/// Gives the guest the host directory `host_path` as `guest_path`,
/// writable when `fs_mutable`; false if a path is not UTF-8. A missing
/// directory is reported when the settings are applied to a store.
WASI_API_EXTERN bool wasi_config_preopen_dir(wasi_config_t *config,
                                             const char *host_path,
                                             const char *guest_path,
                                             bool fs_mutable);

#undef own

#ifdef __cplusplus
}
#endif

#endif

#endif
