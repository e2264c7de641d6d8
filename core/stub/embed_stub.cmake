# cmake -DIN=esp32.json -DOUT=esp_stub_esp32.c -DSYM=esp_stub_builtin_json_esp32 -P embed_stub.cmake
# Writes a stub's JSON text as a byte array (SYM, SYM_len); core parses it at
# run time with the same code that loads --stub FILE.json.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n\t" body "${body}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}" "/* generated from esptool-js ${name} (Apache-2.0); do not edit */\n"
     "#include <stddef.h>\n#include \"esp_stub.h\"\n"
     "const unsigned char ${SYM}[] = {\n\t${body}\n};\n"
     "const size_t ${SYM}_len = ${len};\n")
