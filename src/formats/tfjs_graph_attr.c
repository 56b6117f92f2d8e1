/* TensorFlow AttrValues as tfjs-converter writes them into model.json:
 * {"i": "2"} (int64 as a string), {"f": 0.1}, {"b": true}, {"s": base64},
 * {"type": "DT_FLOAT"}, {"list": {"i": [...]}}, {"shape": {"dim": [...]}}. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

const json_t *tfjs_attr(const tfjs_node *node, const char *name)
{
    return json_object_get(json_object_get(node->json, "attr"), name);
}

/* int64 fields come as decimal strings (JSON numbers lose precision past
 * 2^53); plain numbers are accepted too. */
static int parse_int(const json_t *value, int64_t *out)
{
    if (json_is_integer(value)) {
        *out = json_integer_value(value);
        return 1;
    }
    const char *text = json_string_value(value);
    if (!text || !*text)
        return 0;
    char *end;
    errno = 0;
    long long parsed = strtoll(text, &end, 10);
    if (*end || errno)
        return 0;
    *out = parsed;
    return 1;
}

int tfjs_attr_get_int(const tfjs_node *node, const char *name, int64_t *value)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    return parse_int(json_object_get(attr, "i"), value) ? 1 : -1;
}

int tfjs_attr_get_float(const tfjs_node *node, const char *name, float *value)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    const json_t *f = json_object_get(attr, "f");
    if (json_is_number(f)) {
        *value = (float)json_number_value(f);
        return 1;
    }
    /* NaN and the infinities are written as strings */
    const char *text = json_string_value(f);
    if (text && (!strcmp(text, "NaN") || !strcmp(text, "Infinity") || !strcmp(text, "-Infinity"))) {
        *value = strtof(text[0] == 'N' ? "nan" : text[0] == '-' ? "-inf" : "inf", NULL);
        return 1;
    }
    return -1;
}

int tfjs_attr_get_bool(const tfjs_node *node, const char *name, int *value)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    const json_t *b = json_object_get(attr, "b");
    if (!json_is_boolean(b))
        return -1;
    *value = json_is_true(b);
    return 1;
}

static int base64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 text into out; -1 when malformed or longer than size - 1. */
static int decode_base64(const char *text, char *out, size_t size)
{
    size_t used = 0;
    unsigned bits = 0, n_bits = 0;
    for (const char *c = text; *c && *c != '='; c++) {
        int value = base64_value((unsigned char)*c);
        if (value < 0)
            return -1;
        bits = (bits << 6) | (unsigned)value;
        n_bits += 6;
        if (n_bits >= 8) {
            n_bits -= 8;
            if (used + 1 >= size)
                return -1;
            out[used++] = (char)((bits >> n_bits) & 0xff);
        }
    }
    out[used] = 0;
    /* names and modes are text: a NUL inside is malformed */
    return strlen(out) == used ? (int)used : -1;
}

int tfjs_attr_get_string(const tfjs_node *node, const char *name, char *out, size_t size)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    const char *text = json_string_value(json_object_get(attr, "s"));
    if (!text || decode_base64(text, out, size) < 0)
        return -1;
    return 1;
}

int tfjs_attr_get_ints(const tfjs_node *node, const char *name, int64_t *values, int max)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    const json_t *list = json_object_get(attr, "list");
    if (!json_is_object(list))
        return -1;
    const json_t *items = json_object_get(list, "i");
    if (!items)
        return 0;
    if (!json_is_array(items) || json_array_size(items) > (size_t)max)
        return -1;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (!parse_int(json_array_get(items, i), &values[i]))
            return -1;
    return (int)json_array_size(items);
}

int tfjs_attr_get_strings(const tfjs_node *node, const char *name, char (*values)[32], int max)
{
    const json_t *attr = tfjs_attr(node, name);
    if (!attr)
        return 0;
    const json_t *list = json_object_get(attr, "list");
    /* a one-element list is sometimes written as a plain "s" */
    const json_t *items = json_is_object(list) ? json_object_get(list, "s") : json_object_get(attr, "s");
    if (!items)
        return json_is_object(list) ? 0 : -1;
    if (json_is_string(items))
        return decode_base64(json_string_value(items), values[0], 32) < 0 ? -1 : 1;
    if (!json_is_array(items) || json_array_size(items) > (size_t)max)
        return -1;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *text = json_string_value(json_array_get(items, i));
        if (!text || decode_base64(text, values[i], 32) < 0)
            return -1;
    }
    return (int)json_array_size(items);
}

const char *tfjs_attr_type(const tfjs_node *node, const char *name)
{
    return json_string_value(json_object_get(tfjs_attr(node, name), "type"));
}

int tfjs_attr_get_shape(const tfjs_node *node, const char *name, int64_t *dims, int max)
{
    const json_t *shape = json_object_get(tfjs_attr(node, name), "shape");
    if (!json_is_object(shape) || json_is_true(json_object_get(shape, "unknownRank")))
        return -1;
    const json_t *list = json_object_get(shape, "dim");
    if (!list)
        return 0;
    if (!json_is_array(list) || json_array_size(list) > (size_t)max)
        return -1;
    for (size_t d = 0; d < json_array_size(list); d++) {
        const json_t *size = json_object_get(json_array_get(list, d), "size");
        /* an absent size is 0 (protobuf's default) */
        if (!size)
            dims[d] = 0;
        else if (!parse_int(size, &dims[d]) || dims[d] < -1)
            return -1;
    }
    return (int)json_array_size(list);
}

int tfjs_require_float(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    const char *type = tfjs_attr_type(node, "T");
    if (type && strcmp(type, "DT_FLOAT") != 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "type %s; only DT_FLOAT runs", type);
    return AMASS_OK;
}
