# extract.cmake - turns one BPF object of a benchmark program into raw
# bytecode the VM can load without an ELF loader, and refuses the object if
# that would be wrong. Run with cmake -P and:
#   OBJ=prog.o BIN=prog.bin ENTRY=bench_name OBJCOPY=... READELF=...
# Checks: no relocations of .text (debug sections may have some; every call
# must be pc-relative already), no data sections (.data, .rodata, .bss: they
# would need relocations), and the entry symbol at offset 0 of .text (the
# bytecode starts with it).
foreach(v OBJ BIN ENTRY OBJCOPY READELF)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "extract.cmake: ${v} is not set")
  endif()
endforeach()

execute_process(COMMAND ${READELF} -S -r -s --wide ${OBJ}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJ}: llvm-readelf failed: ${err}")
endif()
if(out MATCHES "Relocation section '(\\.rel\\.text)'")
  message(FATAL_ERROR "${OBJ}: has relocations in .text; benchmark code must need no relocations (no globals, tables or cross-section calls)")
endif()
if(out MATCHES "[ \t](\\.(ro)?data[^ \t]*|\\.bss[^ \t]*)[ \t]")
  message(FATAL_ERROR "${OBJ}: has data section ${CMAKE_MATCH_1}; benchmark code must not use globals or constant tables")
endif()
if(NOT out MATCHES "0000000000000000[ \t]+[0-9]+[ \t]+FUNC[ \t]+GLOBAL[ \t]+DEFAULT[ \t]+[0-9]+[ \t]+${ENTRY}\n")
  message(FATAL_ERROR "${OBJ}: entry ${ENTRY} is not a global function at offset 0 of .text")
endif()

execute_process(COMMAND ${OBJCOPY} -O binary --only-section=.text ${OBJ} ${BIN}
  ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJ}: llvm-objcopy failed: ${err}")
endif()
file(SIZE ${BIN} size)
math(EXPR rem "${size} % 8")
if(size EQUAL 0 OR NOT rem EQUAL 0)
  message(FATAL_ERROR "${BIN}: ${size} bytes is not a whole number of instructions")
endif()
