package dev.lopper.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded tokenizer.json, run as Hugging Face tokenizers runs it: added tokens are cut out
 * of the raw text, the rest is normalized (then normalized added tokens are cut out),
 * pre-tokenized into words, and each word is split by the BPE model. No special tokens are
 * added around the text (the post-processor is not applied). Immutable and thread-safe.
 */
public final class TokenizerPipeline {
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final Decoder decoder;
    private final AddedTokenMatcher rawAdded;
    private final AddedTokenMatcher normalizedAdded;
    private final Map<Integer, String> addedContent;
    private final Set<String> specialContent;

    TokenizerPipeline(Normalizer normalizer, PreTokenizer preTokenizer, BpeModel model, Decoder decoder,
            List<AddedToken> added, Map<String, AddedToken> rawPatterns, Map<String, AddedToken> normalizedPatterns) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.decoder = decoder;
        this.rawAdded = new AddedTokenMatcher(rawPatterns);
        this.normalizedAdded = new AddedTokenMatcher(normalizedPatterns);
        Map<Integer, String> byId = new java.util.HashMap<>();
        Set<String> special = new java.util.HashSet<>();
        for (AddedToken token : added) {
            byId.put(token.id(), token.content());
            if (token.special()) special.add(token.content());
        }
        this.addedContent = Map.copyOf(byId);
        this.specialContent = Set.copyOf(special);
    }

    /** One more than the largest id that decodes to a token (model vocabulary or added token). */
    int idBound() {
        int bound = model.idBound();
        for (int id : addedContent.keySet()) bound = Math.max(bound, id + 1);
        return bound;
    }

    /** The ids of {@code text}, without BOS or any other special token around it. */
    public int[] encode(String text) {
        IntList ids = new IntList(text.length() / 3 + 4);
        List<AddedTokenMatcher.Part> raw = new ArrayList<>();
        rawAdded.split(text, raw);
        boolean atStart = true;
        for (AddedTokenMatcher.Part part : raw) {
            if (part.isToken()) {
                ids.add(part.id());
            } else {
                encodeNormalized(normalizer.normalize(part.text()), atStart, ids);
            }
            atStart = false;
        }
        return ids.toArray();
    }

    private void encodeNormalized(String normalized, boolean atStart, IntList ids) {
        List<AddedTokenMatcher.Part> parts = new ArrayList<>();
        normalizedAdded.split(normalized, parts);
        List<Piece> words = new ArrayList<>();
        for (AddedTokenMatcher.Part part : parts) {
            if (part.isToken()) {
                ids.add(part.id());
            } else {
                words.clear();
                preTokenizer.split(new Piece(part.text(), atStart), words);
                for (Piece word : words) model.tokenize(word.text(), ids);
            }
            atStart = false;
        }
    }

    /**
     * The text of {@code ids}. Ids that are neither added tokens nor in the vocabulary are
     * dropped, and with {@code skipSpecial} so are special tokens, as in HF.
     */
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = addedContent.get(id);
            if (token == null) token = model.token(id);
            if (token == null || (skipSpecial && specialContent.contains(token))) continue;
            tokens.add(token);
        }
        return String.join("", decoder.decode(tokens));
    }
}
