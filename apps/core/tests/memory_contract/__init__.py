"""The L1 memory kit's contract: what every module with L1 memory does, specified once.

Each test takes the `memory_module` fixture and runs once per installed module with L1 memory
(cc, a generated module, ...: apps.core.memory.memory_modules), so a module gets these tests by
using the kit, without copying them; its own tests cover only what it adds.
"""
