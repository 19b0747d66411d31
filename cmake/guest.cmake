# Guest programs: static RISC-V Linux executables built with the cross compiler.
#   symunix_add_guest(NAME SOURCES a.c b.S [CFLAGS ...] [LIBS ...])
# produces ${CMAKE_BINARY_DIR}/guest/NAME.elf and a target guest_NAME built by ALL.
find_program(SYMUNIX_RISCV_CC NAMES riscv64-linux-gnu-gcc)
if(NOT SYMUNIX_RISCV_CC)
  message(FATAL_ERROR
    "riscv64-linux-gnu-gcc not found: guest programs cannot be built. "
    "Install it with: bash scripts/install-deps.sh (Debian packages "
    "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross).")
endif()
set(SYMUNIX_GUEST_DIR ${CMAKE_BINARY_DIR}/guest)
file(MAKE_DIRECTORY ${SYMUNIX_GUEST_DIR})
set(SYMUNIX_GUEST_CFLAGS -static -O2 -march=rv64gc -mabi=lp64d -Wall
    -I${CMAKE_SOURCE_DIR}/user/include)

function(symunix_add_guest NAME)
  cmake_parse_arguments(G "" "" "SOURCES;CFLAGS;LIBS" ${ARGN})
  set(srcs "")
  foreach(s IN LISTS G_SOURCES)
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  set(out ${SYMUNIX_GUEST_DIR}/${NAME}.elf)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${SYMUNIX_RISCV_CC} ${SYMUNIX_GUEST_CFLAGS} ${G_CFLAGS} -o ${out} ${srcs} ${G_LIBS}
    DEPENDS ${srcs}
    COMMENT "Guest ${NAME}.elf"
    VERBATIM)
  add_custom_target(guest_${NAME} ALL DEPENDS ${out})
endfunction()
