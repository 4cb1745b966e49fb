# embed_file.cmake: writes OUT, a C++ source defining the bytes of the file
# IN as `const char NAME[]` (NUL-terminated) and `NAME_size`, in namespace
# actors. Run at build time (cmake -DIN=... -DOUT=... -DNAME=... -P), so a
# page kept as its own file in the tree (runtime/status_page.html) is
# compiled into the binary without a hand-written string literal.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# One line per 32 bytes, to keep the generated file readable.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/embed_file.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "namespace actors {\n"
  "extern const char ${NAME}[];\n"
  "extern const std::size_t ${NAME}_size;\n"
  "const char ${NAME}[] = {\n${bytes}0};\n"
  "const std::size_t ${NAME}_size = sizeof(${NAME}) - 1;\n"
  "} // namespace actors\n")
file(RENAME "${OUT}.tmp" "${OUT}")
