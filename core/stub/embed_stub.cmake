# cmake -DIN=esp8266.json -DOUT=stub_data.c -P embed_stub.cmake
# Writes the stub's JSON text as a byte array; core parses it at run time with
# the same code that loads --stub FILE.json.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n\t" body "${body}")
file(WRITE "${OUT}" "/* generated from esptool-js esp8266.json (Apache-2.0); do not edit */\n"
     "#include <stddef.h>\n#include \"esp_stub.h\"\n"
     "const unsigned char esp_stub_builtin_json[] = {\n\t${body}\n};\n"
     "const size_t esp_stub_builtin_json_len = ${len};\n")
