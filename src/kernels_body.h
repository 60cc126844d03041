/* kernels_body.h -- the kernel families, in the order they build on each other.
 *
 * Included by kernels_target.h once per dtype, with the float32 or float64
 * macro set defined; FN(name) gives each function its dtype and ISA suffix.
 * To change a kernel, open its family file; shared numerics live in
 * body_common.h.
 */
#include "body_common.h"     /* helpers, row stats, limits path (Design A-G) */
#include "body_short_rows.h" /* columnar blocks and two-class rows (Design E) */
#include "body_primitives.h" /* logsumexp / softmax rows, element-wise maps */
#include "body_softmax_ce.h" /* softmax CE on logits */
#include "body_sigmoid_ce.h" /* sigmoid CE on logits */
#include "body_prob_ce.h"    /* CE on probabilities */
#include "body_grouped.h"    /* grouped softmax CE (calls the sparse kernels) */
#include "body_focal.h"      /* focal losses */
#include "body_rowstats.h"   /* per-row statistics for scoring */
