# Obtains Espressif's flasher stubs for ESP8266, ESP32 and ESP32-C3 (esptool-js,
# Apache-2.0) at configure time and checks every JSON against a pinned hash.
# The blobs are never committed: the package is downloaded into a cache
# directory and each stub is turned into a C array by embed_stub.cmake.
set(ST_STUB_PKG_VERSION "0.7.0")
set(ST_STUB_TGZ_SHA256 "9c7797cfbcac3a989ab85c52c9daaa65ffc0d538c273a055757b98bb846fdf1f")
# lib/targets/stub_flasher/<chip>.json of esptool-js 0.7.0 (esp32-family.md §5.1)
set(ST_STUB_SHA256_esp8266 "515d78aacbcf7993f918936f168059227abb2f77e0189b7e974574b2e4e8bfdf")
set(ST_STUB_SHA256_esp32 "efd74134f076953c209277a85959ea832ad1e29a5a2aa55eec4175dccd8a05c5")
set(ST_STUB_SHA256_esp32c3 "db8fe9ba535a243f7eb5d248d3c7a47a1a0890bcf9c51d06fd7a49ec4d08588f")
set(ST_STUB_JSON "" CACHE FILEPATH
    "esp8266.json from esptool-js ${ST_STUB_PKG_VERSION}; downloaded when empty")
set(ST_STUB_JSON_ESP32 "" CACHE FILEPATH
    "esp32.json from esptool-js ${ST_STUB_PKG_VERSION}; downloaded when empty")
set(ST_STUB_JSON_ESP32C3 "" CACHE FILEPATH
    "esp32c3.json from esptool-js ${ST_STUB_PKG_VERSION}; downloaded when empty")
set(ST_STUB_CACHE_DIR "$ENV{HOME}/.cache/espstation" CACHE PATH
    "where the downloaded esptool-js package is kept between builds")

# Downloads (once) and returns the package tarball.
function(st_stub_package out_var)
  set(tgz "${ST_STUB_CACHE_DIR}/esptool-js-${ST_STUB_PKG_VERSION}.tgz")
  set(url "https://registry.npmjs.org/esptool-js/-/esptool-js-${ST_STUB_PKG_VERSION}.tgz")
  if(EXISTS "${tgz}")
    file(SHA256 "${tgz}" have)
  endif()
  if(NOT have STREQUAL ST_STUB_TGZ_SHA256)
    message(STATUS "Downloading the flasher stubs: ${url}")
    file(DOWNLOAD "${url}" "${tgz}" STATUS st
         EXPECTED_HASH SHA256=${ST_STUB_TGZ_SHA256} TLS_VERIFY ON)
    list(GET st 0 code)
    if(NOT code EQUAL 0)
      message(FATAL_ERROR "Could not download ${url} (${st}). Fix: check network "
              "access to registry.npmjs.org, or pass -DST_STUB_JSON=, -DST_STUB_JSON_ESP32= "
              "and -DST_STUB_JSON_ESP32C3= with esp8266.json, esp32.json and esp32c3.json "
              "taken from esptool-js ${ST_STUB_PKG_VERSION} (lib/targets/stub_flasher/).")
    endif()
  endif()
  set(${out_var} "${tgz}" PARENT_SCOPE)
endfunction()

# st_fetch_stub(<chip> <override-path-or-empty> <out_var>): the checked JSON
# for chip (esp8266, esp32, esp32c3).
function(st_fetch_stub chip override out_var)
  if(override)
    set(json "${override}")
  else()
    st_stub_package(tgz)
    set(dir "${CMAKE_BINARY_DIR}/_stub")
    set(member "package/lib/targets/stub_flasher/${chip}.json")
    file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dir}" PATTERNS "${member}")
    set(json "${dir}/${member}")
  endif()
  file(SHA256 "${json}" got)
  if(NOT got STREQUAL ST_STUB_SHA256_${chip})
    message(FATAL_ERROR "Stub ${json} has SHA-256 ${got}, expected ${ST_STUB_SHA256_${chip}} "
            "(${chip}.json of esptool-js ${ST_STUB_PKG_VERSION}). Fix: use the pinned file, "
            "or supply another stub at run time with --stub FILE.json.")
  endif()
  set(${out_var} "${json}" PARENT_SCOPE)
endfunction()
