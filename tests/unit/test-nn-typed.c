/* The engine's typed inputs and per-shape plans: a graph taking int64
 * token ids of any [batch, length] runs a Gather by those ids, a Cast,
 * Equal and CumSum on them (integers carried as float32 inside); the
 * float-only entry point refuses it; shapes past the plan bound are
 * planned again and still right; wrong types and huge ids are refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "tap.h"

static const float table[5][2] = {{0, 1}, {10, 11}, {20, 21}, {30, 31}, {40, 41}};

static amass_nn_graph *build(amass_status *status)
{
    amass_nn_graph *graph = amass_nn_graph_new("typed", status);
    amass_nn_tensor_type ids = {.dtype = AMASS_NN_INT64, .rank = 2, .dims = {AMASS_NN_DYNAMIC, AMASS_NN_DYNAMIC}};
    amass_nn_tensor_type table_type = {.dtype = AMASS_NN_FLOAT32, .rank = 2, .dims = {5, 2}};
    amass_nn_tensor_type scalar = {.dtype = AMASS_NN_INT64, .rank = 0};
    int64_t two = 2, one = 1;
    int ok_so_far = graph && amass_nn_graph_add_input(graph, "ids", &ids, status) == AMASS_OK &&
                    amass_nn_graph_add_constant(graph, "table", &table_type, table, NULL, NULL, status) == AMASS_OK &&
                    amass_nn_graph_add_constant(graph, "two", &scalar, &two, NULL, NULL, status) == AMASS_OK &&
                    amass_nn_graph_add_constant(graph, "axis", &scalar, &one, NULL, NULL, status) == AMASS_OK;
    const char *gather_in[] = {"table", "ids"}, *gather_out[] = {"rows"};
    const char *cast_in[] = {"ids"}, *cast_out[] = {"as_float"};
    const char *equal_in[] = {"ids", "two"}, *equal_out[] = {"is_two"};
    const char *cumsum_in[] = {"is_two", "axis"}, *cumsum_out[] = {"twos_so_far"};
    amass_nn_attr to_float = {.name = "to", .kind = AMASS_NN_ATTR_INT, .i = 1};
    amass_nn_node_spec nodes[] = {
        {.op = AMASS_NN_OP_GATHER, .name = "g", .inputs = gather_in, .n_inputs = 2, .outputs = gather_out,
         .n_outputs = 1},
        {.op = AMASS_NN_OP_CAST, .name = "c", .inputs = cast_in, .n_inputs = 1, .outputs = cast_out, .n_outputs = 1,
         .attrs = &to_float, .n_attrs = 1},
        {.op = AMASS_NN_OP_EQUAL, .name = "e", .inputs = equal_in, .n_inputs = 2, .outputs = equal_out, .n_outputs = 1},
        {.op = AMASS_NN_OP_CUMSUM, .name = "s", .inputs = cumsum_in, .n_inputs = 2, .outputs = cumsum_out,
         .n_outputs = 1},
    };
    for (size_t n = 0; n < 4 && ok_so_far; n++)
        ok_so_far = amass_nn_graph_add_node(graph, &nodes[n], status) == AMASS_OK;
    ok_so_far = ok_so_far && amass_nn_graph_mark_output(graph, "rows", status) == AMASS_OK &&
                amass_nn_graph_mark_output(graph, "as_float", status) == AMASS_OK &&
                amass_nn_graph_mark_output(graph, "twos_so_far", status) == AMASS_OK &&
                amass_nn_graph_prepare(graph, status) == AMASS_OK;
    if (!ok_so_far) {
        amass_nn_graph_free(graph);
        return NULL;
    }
    return graph;
}

/* Runs ids of [batch, length] and checks all three outputs. */
static int run_and_check(amass_nn_session *session, int64_t batch, int64_t length, amass_status *status)
{
    size_t count = (size_t)(batch * length);
    int64_t *ids = malloc(count * sizeof *ids);
    float *rows = malloc(count * 2 * sizeof *rows), *as_float = malloc(count * sizeof *as_float);
    float *twos = malloc(count * sizeof *twos);
    for (size_t i = 0; i < count; i++)
        ids[i] = (int64_t)((i * 7 + (size_t)length) % 5);
    amass_nn_tensor_type type = {.dtype = AMASS_NN_INT64, .rank = 2, .dims = {batch, length}};
    const void *inputs[] = {ids};
    float *outputs[] = {rows, as_float, twos};
    int good = amass_nn_session_run_typed(session, &type, inputs, outputs, status) == AMASS_OK;
    for (int64_t b = 0; b < batch && good; b++) {
        float seen = 0;
        for (int64_t t = 0; t < length; t++) {
            size_t i = (size_t)(b * length + t);
            seen += ids[i] == 2;
            good &= rows[2 * i] == table[ids[i]][0] && rows[2 * i + 1] == table[ids[i]][1] &&
                    as_float[i] == (float)ids[i] && twos[i] == seen;
        }
    }
    free(ids);
    free(rows);
    free(as_float);
    free(twos);
    return good;
}

int main(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = build(&status);
    if (!ok(graph != NULL, "an int64 [batch, length] graph prepares")) {
        printf("# %s\n", status.message);
        return done_testing();
    }
    amass_nn_tensor_type type;
    amass_nn_graph_input_type(graph, 0, &type);
    ok(type.dtype == AMASS_NN_INT64 && type.dims[0] == AMASS_NN_DYNAMIC && type.dims[1] == AMASS_NN_DYNAMIC,
       "the input reports int64 with both dimensions dynamic");
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    if (!ok(session != NULL, "a session opens")) {
        printf("# %s\n", status.message);
        amass_nn_graph_free(graph);
        return done_testing();
    }
    float dummy[8];
    const float *float_inputs[] = {dummy};
    float *float_outputs[] = {dummy, dummy, dummy};
    ok(amass_nn_session_run(session, 1, float_inputs, float_outputs, &status) != AMASS_OK &&
           !strcmp(status.message, "typed: input 'ids' is int64; run it with amass_nn_session_run_typed"),
       "the float32 entry point refuses integer inputs, saying which to use");
    ok(run_and_check(session, 1, 3, &status), "[1, 3]: gathered rows, cast values, running count of 2s");
    ok(run_and_check(session, 3, 7, &status), "[3, 7] likewise");
    amass_nn_session_stats before, after;
    amass_nn_session_get_stats(session, &before);
    int all_good = 1;
    for (int64_t length = 1; length <= 20; length++)
        all_good &= run_and_check(session, 2, length, &status);
    ok(all_good, "20 more lengths, each right");
    ok(run_and_check(session, 1, 3, &status), "[1, 3] again after its plan was dropped");
    amass_nn_session_get_stats(session, &after);
    is_int(after.plans - before.plans, 21, "21 new plans: 16 kept, [1, 3] planned again");
    amass_nn_tensor_type wrong = {.dtype = AMASS_NN_INT32, .rank = 2, .dims = {1, 2}};
    int32_t small[2] = {0, 1};
    const void *wrong_inputs[] = {small};
    ok(amass_nn_session_run_typed(session, &wrong, wrong_inputs, float_outputs, &status) != AMASS_OK &&
           !strcmp(status.message, "typed: input 'ids' is int64 of rank 2, not int32 of rank 2"),
       "int32 data for an int64 input is refused");
    int64_t huge[2] = {1, (int64_t)1 << 25};
    amass_nn_tensor_type two = {.dtype = AMASS_NN_INT64, .rank = 2, .dims = {1, 2}};
    const void *huge_inputs[] = {huge};
    ok(amass_nn_session_run_typed(session, &two, huge_inputs, float_outputs, &status) != AMASS_OK &&
           !strcmp(status.message, "typed: input 'ids': value 33554432 is beyond 2^24"),
       "an integer beyond 2^24 is refused, not rounded");
    amass_nn_tensor_type zero = {.dtype = AMASS_NN_INT64, .rank = 2, .dims = {1, 0}};
    ok(amass_nn_session_run_typed(session, &zero, huge_inputs, float_outputs, &status) != AMASS_OK &&
           strstr(status.message, "dimension 1 of 0 is out of range"),
       "an empty dimension is refused");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    return done_testing();
}
