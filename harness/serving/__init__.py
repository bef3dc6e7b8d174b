"""Models behind a real server: llama.cpp's ``llama-server`` on CPU, ``vllm serve`` on GPU, reached through one client
path, Inspect's ``openai-api`` provider (``openai-api/greetbench/<model>``, base URL and key from the environment)."""

from harness.serving.backends import BACKENDS, Backend, default_backend, llama_server_command, vllm_command
from harness.serving.client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    SERVED_ALIAS,
    ServedModelError,
    is_served,
    served_generate_config,
    served_model_name,
    served_parallel,
    served_state,
)
from harness.serving.llama_cpp_build import (
    BUILD_KINDS,
    BuildKind,
    LlamaCppBuildError,
    LlamaServerBuild,
    cached_build,
    cmake_args,
    ensure_llama_server,
)
from harness.serving.process import LOOPBACK, ServerStartError, free_port, start_process, stop_process, wait_healthy
from harness.serving.serve import ServeError, ServeRequest, serve, stop_served
from harness.serving.state import SERVICE, ServedState, read_state, state_path

__all__ = [
    "API_KEY_ENV",
    "BACKENDS",
    "BASE_URL_ENV",
    "BUILD_KINDS",
    "LOOPBACK",
    "SERVED_ALIAS",
    "SERVICE",
    "Backend",
    "BuildKind",
    "LlamaCppBuildError",
    "LlamaServerBuild",
    "ServeError",
    "ServeRequest",
    "ServedModelError",
    "ServedState",
    "ServerStartError",
    "cached_build",
    "cmake_args",
    "default_backend",
    "ensure_llama_server",
    "free_port",
    "is_served",
    "llama_server_command",
    "read_state",
    "serve",
    "served_generate_config",
    "served_model_name",
    "served_parallel",
    "served_state",
    "start_process",
    "state_path",
    "stop_process",
    "stop_served",
    "vllm_command",
    "wait_healthy",
]
