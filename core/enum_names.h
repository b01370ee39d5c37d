#pragma once
// Enum ↔ name tables for config keys and file formats. One table per enum: the first entry
// of a value is the name it is written as, later entries of the same value are aliases
// accepted on reading, so that writer and reader cannot drift apart.
#include "core/error.h"

#include <cstddef>
#include <string>

namespace ld {

template <class E>
struct EnumName {
    E value;
    const char* name;
};

// The name `value` is written as ("?" for a value missing from the table).
template <class E, std::size_t N>
const char* enumName(const EnumName<E> (&table)[N], E value) {
    for (const auto& e : table)
        if (e.value == value) return e.name;
    return "?";
}

// The value named `name` (or one of its aliases). ld::Error naming `subject`:
// "unknown <what> '<name>' (expected a, b or c)", listing the written names.
template <class E, std::size_t N>
E parseEnum(const EnumName<E> (&table)[N], const std::string& name, const std::string& subject, const char* what) {
    for (const auto& e : table)
        if (name == e.name) return e.value;
    std::string expected;
    for (std::size_t i = 0; i < N; ++i) {
        bool first = true;
        for (std::size_t k = 0; k < i; ++k) first = first && !(table[k].value == table[i].value);
        if (!first) continue;
        if (!expected.empty()) expected += ", ";
        expected += table[i].name;
    }
    throw Error(subject, std::string("unknown ") + what + " '" + name + "' (expected one of: " + expected + ")");
}

}  // namespace ld
