# SPDX-License-Identifier: MIT
# Embeds web/static/ in webd at configure time: each file becomes a byte array in the
# generated web_static.c, so webd serves its CSS and JS with no path to configure and
# no build step of its own. Run by web/CMakeLists.txt (include), not as a script.
function(rp_web_embed out)
  set(body "/* Generated from web/static/ by web/embed.cmake: do not edit. */\n")
  string(APPEND body "#include <stddef.h>\n#include <string.h>\n\n")
  set(table "")
  set(i 0)
  foreach(f ${ARGN})
    file(READ ${CMAKE_CURRENT_SOURCE_DIR}/static/${f} hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string(LENGTH "${hex}" hexlen)
    math(EXPR n "${hexlen} / 2")
    string(APPEND body "static const unsigned char k_f${i}[] = {${bytes}0};\n")
    if(f MATCHES "\\.css$")
      set(ct "text/css; charset=utf-8")
    else()
      set(ct "text/javascript; charset=utf-8")
    endif()
    string(APPEND table "    {\"${f}\", k_f${i}, ${n}, \"${ct}\"},\n")
    math(EXPR i "${i} + 1")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${CMAKE_CURRENT_SOURCE_DIR}/static/${f})
  endforeach()
  string(APPEND body "\nstatic const struct {\n  const char *name;\n  const unsigned char *data;\n"
         "  size_t len;\n  const char *ctype;\n} k_files[] = {\n${table}};\n\n")
  string(APPEND body "int rp__web_static(const char *name, const unsigned char **data, "
         "size_t *len,\n                  const char **ctype);\n")
  string(APPEND body "int rp__web_static(const char *name, const unsigned char **data, "
         "size_t *len,\n                  const char **ctype) {\n"
         "  for (size_t i = 0; i < sizeof k_files / sizeof k_files[0]; i++)\n"
         "    if (strcmp(k_files[i].name, name) == 0) {\n"
         "      *data = k_files[i].data;\n      *len = k_files[i].len;\n"
         "      *ctype = k_files[i].ctype;\n      return 0;\n    }\n  return -1;\n}\n")
  file(WRITE ${out}.tmp "${body}")
  configure_file(${out}.tmp ${out} COPYONLY)
endfunction()
