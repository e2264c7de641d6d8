# Obtains Espressif's ESP8266 flasher stub (esptool-js, Apache-2.0) at configure
# time and checks it against pinned hashes.  The blob is never committed: it is
# downloaded into a cache directory and turned into a C array by embed_stub.cmake.
set(ST_STUB_PKG_VERSION "0.7.0")
set(ST_STUB_TGZ_SHA256 "9c7797cfbcac3a989ab85c52c9daaa65ffc0d538c273a055757b98bb846fdf1f")
set(ST_STUB_JSON_SHA256 "515d78aacbcf7993f918936f168059227abb2f77e0189b7e974574b2e4e8bfdf")
set(ST_STUB_JSON "" CACHE FILEPATH
    "esp8266.json from esptool-js ${ST_STUB_PKG_VERSION}; downloaded when empty")
set(ST_STUB_CACHE_DIR "$ENV{HOME}/.cache/espstation" CACHE PATH
    "where the downloaded esptool-js package is kept between builds")

function(st_fetch_stub out_var)
  if(ST_STUB_JSON)
    set(json "${ST_STUB_JSON}")
  else()
    set(tgz "${ST_STUB_CACHE_DIR}/esptool-js-${ST_STUB_PKG_VERSION}.tgz")
    set(url "https://registry.npmjs.org/esptool-js/-/esptool-js-${ST_STUB_PKG_VERSION}.tgz")
    if(EXISTS "${tgz}")
      file(SHA256 "${tgz}" have)
    endif()
    if(NOT have STREQUAL ST_STUB_TGZ_SHA256)
      message(STATUS "Downloading the ESP8266 flasher stub: ${url}")
      file(DOWNLOAD "${url}" "${tgz}" STATUS st
           EXPECTED_HASH SHA256=${ST_STUB_TGZ_SHA256} TLS_VERIFY ON)
      list(GET st 0 code)
      if(NOT code EQUAL 0)
        message(FATAL_ERROR "Could not download ${url} (${st}). Fix: check network "
                "access to registry.npmjs.org, or pass -DST_STUB_JSON=/path/to/esp8266.json "
                "taken from esptool-js ${ST_STUB_PKG_VERSION} (lib/targets/stub_flasher/).")
      endif()
    endif()
    set(dir "${CMAKE_BINARY_DIR}/_stub")
    file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dir}"
         PATTERNS "package/lib/targets/stub_flasher/esp8266.json")
    set(json "${dir}/package/lib/targets/stub_flasher/esp8266.json")
  endif()
  file(SHA256 "${json}" got)
  if(NOT got STREQUAL ST_STUB_JSON_SHA256)
    message(FATAL_ERROR "Stub ${json} has SHA-256 ${got}, expected ${ST_STUB_JSON_SHA256} "
            "(esptool-js ${ST_STUB_PKG_VERSION}). Fix: use the pinned file, or supply "
            "another stub at run time with --stub FILE.json.")
  endif()
  set(${out_var} "${json}" PARENT_SCOPE)
endfunction()
