// Free-form JSON in the Kotlin bindings: every `JsonValue` field (`details`, `fields`, `stats`,
// ...) is a Jackson `JsonNode`; `uniffi.toml` names this object as the conversion. Ship this file
// with the generated `bento.kt` (same package) and depend on
// `com.fasterxml.jackson.core:jackson-databind`.
package com.bentonow.bento

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper

/** The conversion between the core's JSON text and `JsonNode`. Numbers stay exact: an integer
 * beyond 64 bits is read as a `BigIntegerNode` (and refused by the core when sent, with
 * `InvalidInput` naming the field), a decimal as the double the wire holds. */
object BentoJson {
    // An ObjectMapper is thread-safe once configured; this one is never reconfigured.
    private val mapper = ObjectMapper()

    /** Marks a value the core must refuse (see `NOT_JSON_MARK` in bento-ffi/src/json.rs): the
     * core answers `InvalidInput` for the field, with the reason after the mark. */
    private const val NOT_JSON_MARK = "\u0000"

    @JvmStatic
    fun lift(text: String): JsonNode = mapper.readTree(text)

    @JvmStatic
    fun lower(node: JsonNode): String {
        // Jackson writes NaN and the infinities as the strings "NaN"/"Infinity" by default: a
        // silent change of type. They are not JSON numbers, so the core refuses them instead.
        nonFinite(node)?.let { return NOT_JSON_MARK + "$it is not a JSON number" }
        return mapper.writeValueAsString(node)
    }

    private fun nonFinite(node: JsonNode): String? {
        if (node.isFloatingPointNumber && !node.isBigDecimal && !node.doubleValue().isFinite()) {
            return node.doubleValue().toString()
        }
        for (child in node) nonFinite(child)?.let { return it }
        return null
    }
}
