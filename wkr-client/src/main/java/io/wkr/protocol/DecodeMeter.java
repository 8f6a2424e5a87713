package io.wkr.protocol;

/**
 * The accounts of one decode: what it has allocated so far against the payload's {@link
 * DecodeLimits}, and against the caller's {@link DecodeBudget}. Codecs call {@link #charge} before
 * each allocation, and the count and size checks before reading what they guard. Confined to the
 * decoding thread.
 *
 * <p>The budget is asked for exactly the first allocation, then ahead in steps of up to {@link
 * #STEP} bytes (never past the payload's allowance), so that a payload of a million small values
 * costs a few hundred calls to a shared budget rather than a million; a decode therefore holds at
 * most {@code STEP} bytes it did not use.
 */
final class DecodeMeter {
    /** Smallest amount asked of the budget at once. */
    static final long STEP = 16 << 10;

    private final DecodeLimits limits;
    private final DecodeBudget budget;
    private final String protocol;
    private final int payloadBytes;
    private final long allowance;
    private long used;
    private long reserved;

    /**
     * @param protocol how error messages start: {@code "obj protocol"}, {@code "numpy protocol"}
     */
    DecodeMeter(DecodeLimits limits, DecodeBudget budget, String protocol, int payloadBytes) {
        this.limits = limits;
        this.budget = budget;
        this.protocol = protocol;
        this.payloadBytes = payloadBytes;
        this.allowance = limits.allowance(payloadBytes);
    }

    DecodeLimits limits() {
        return limits;
    }

    /** Estimated bytes charged so far. */
    long used() {
        return used;
    }

    /**
     * Accounts for {@code bytes} about to be allocated.
     *
     * @throws BadRequestException past the payload's allowance
     * @throws WKRException whatever the budget throws to refuse
     */
    void charge(long bytes) {
        if (bytes <= 0) return;
        if (bytes > allowance - used) {
            throw refuse("a payload of " + payloadBytes + " bytes would decode to more than " + allowance
                    + " bytes of heap (DecodeLimits: expansionRatio " + limits.expansionRatio() + " x payload + floorBytes "
                    + limits.floorBytes() + ")");
        }
        used += bytes;
        if (used > reserved) {
            // exactly what is needed at first, then ahead in steps: a small decode asks once, a big one rarely
            long ask = Math.min(Math.max(used - reserved, Math.min(reserved, STEP)), allowance - reserved);
            budget.charge(ask);
            reserved += ask;
        }
    }

    /** Checks the element count of one array, collection or map. */
    void elements(long count, String what) {
        if (count > limits.maxElements()) {
            throw refuse(what + " of " + count + " elements exceeds DecodeLimits.maxElements (" + limits.maxElements() + ")");
        }
    }

    /** Checks the UTF-8 length of one string. */
    void stringBytes(long bytes) {
        if (bytes > limits.maxStringBytes()) {
            throw refuse("a string of " + bytes + " bytes exceeds DecodeLimits.maxStringBytes (" + limits.maxStringBytes() + ")");
        }
    }

    /** Checks the nesting depth reached. */
    void depth(int depth) {
        if (depth > limits.maxDepth()) {
            throw refuse("values nested deeper than DecodeLimits.maxDepth (" + limits.maxDepth() + ") levels");
        }
    }

    /** Checks the rank of a tensor. */
    void rank(long rank) {
        if (rank > limits.maxRank()) {
            throw refuse("a tensor of " + rank + " dimensions exceeds DecodeLimits.maxRank (" + limits.maxRank() + ")");
        }
    }

    /** A refusal that names the limit, for checks made elsewhere. */
    BadRequestException refuse(String why) {
        return new BadRequestException(protocol + ": " + why);
    }
}
