package wirewatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.Term;
import org.apache.lucene.monitor.MatchingQueries;
import org.apache.lucene.monitor.Monitor;
import org.apache.lucene.monitor.MonitorConfiguration;
import org.apache.lucene.monitor.MonitorQuery;
import org.apache.lucene.monitor.QueryMatch;
import org.apache.lucene.monitor.TermFilteredPresearcher;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermQuery;

/**
 * Lucene Monitor on the queries and stories bench_matching.py writes.
 *
 * <p>Usage: {@code java -jar lucene-monitor-bench.jar QUERIES STORIES MATCHES_OUT}. QUERIES: one query a
 * line, {@code id<TAB>clause<TAB>clause...}, each clause words separated by spaces, all required (an
 * AND of OR groups: a clause of one word is a term). STORIES: {@code id<TAB>tokens separated by
 * spaces} (already tokenized by Wirewatch, indexed with a whitespace analyzer in field "text").
 * Writes each story's matching query ids to MATCHES_OUT and a JSON line of figures to stdout.
 */
public final class MonitorBench {
  private static final String FIELD = "text";

  private MonitorBench() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: MonitorBench QUERIES STORIES MATCHES_OUT");
      System.exit(2);
    }
    List<MonitorQuery> queries = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] parts = line.split("\t");
        BooleanQuery.Builder and = new BooleanQuery.Builder();
        for (int i = 1; i < parts.length; i++) {
          String[] words = parts[i].split(" ");
          if (words.length == 1) {
            and.add(new TermQuery(new Term(FIELD, words[0])), BooleanClause.Occur.MUST);
          } else {
            BooleanQuery.Builder or = new BooleanQuery.Builder();
            for (String w : words) {
              or.add(new TermQuery(new Term(FIELD, w)), BooleanClause.Occur.SHOULD);
            }
            and.add(or.build(), BooleanClause.Occur.MUST);
          }
        }
        queries.add(new MonitorQuery(parts[0], and.build()));
      }
    }
    List<String[]> stories = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(Path.of(args[1]), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        stories.add(line.split("\t", 2));
      }
    }

    long t0 = System.nanoTime();
    Monitor monitor =
        new Monitor(new WhitespaceAnalyzer(), new TermFilteredPresearcher(), new MonitorConfiguration());
    for (int start = 0; start < queries.size(); start += 10_000) {
      monitor.register(queries.subList(start, Math.min(queries.size(), start + 10_000)));
    }
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    queries = null;
    System.gc();
    long heapAfterBuild = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    long rssAfterBuild = rssBytes();

    long matches = 0;
    double bestSeconds = Double.MAX_VALUE;
    List<String> lines = new ArrayList<>();
    for (int pass = 0; pass < 3; pass++) {
      lines.clear();
      long p0 = System.nanoTime();
      matches = 0;
      for (String[] story : stories) {
        Document doc = new Document();
        doc.add(new TextField(FIELD, story.length > 1 ? story[1] : "", Field.Store.NO));
        MatchingQueries<QueryMatch> found = monitor.match(doc, QueryMatch.SIMPLE_MATCHER);
        TreeSet<String> ids = new TreeSet<>();
        for (QueryMatch m : found.getMatches()) {
          ids.add(m.getQueryId());
        }
        matches += ids.size();
        lines.add(story[0] + "\t" + String.join(" ", ids));
      }
      bestSeconds = Math.min(bestSeconds, (System.nanoTime() - p0) / 1e9);
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8))) {
      for (String l : lines) {
        out.println(l);
      }
    }
    monitor.close();
    System.out.printf(
        "{\"build_seconds\": %.3f, \"match_seconds\": %.4f, \"stories\": %d, \"matches\": %d, "
            + "\"rss_mib\": %.1f, \"heap_mib\": %.1f, \"peak_rss_mib\": %.1f}%n",
        buildSeconds,
        bestSeconds,
        stories.size(),
        matches,
        rssAfterBuild / 1048576.0,
        heapAfterBuild / 1048576.0,
        peakRssBytes() / 1048576.0);
  }

  private static long rssBytes() throws IOException {
    return statusKb("VmRSS:") * 1024;
  }

  private static long peakRssBytes() throws IOException {
    return statusKb("VmHWM:") * 1024;
  }

  private static long statusKb(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }
}
