package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What a library user of wkr gets, read from the real {@code pom.xml} files with an XML parser.
 * This module's own class path cannot show it: it holds the optional picocli and HdrHistogram that
 * {@code io.wkr.client.bench} uses. {@code examples}' LibraryClassPathTest checks the same from
 * where a user stands, on a real class path.
 *
 * <ul>
 *   <li>Every wkr user depends on {@code wkr-client}, so besides JeroMQ and Kryo each of its
 *       dependencies (and the parent's) is {@code optional}, or {@code test} or {@code provided}
 *       scoped: picocli and HdrHistogram reach only the load generator's own class path and
 *       {@code target/lib}; no logging library at all.
 *   <li>{@code wkr-server} and {@code wkr-decentral} keep their launchers' picocli and Logback
 *       {@code optional}, so an application that embeds them picks its own SLF4J binding.
 * </ul>
 */
class LibraryDependenciesTest {
    private static final Set<String> CLIENT_NEEDS = Set.of("org.zeromq:jeromq", "com.esotericsoftware:kryo");
    private static Path root;

    /** One {@code <dependency>} of {@code /project/dependencies}. */
    private record Dependency(String id, String scope, boolean optional) {
        boolean reachesUsers() {
            return !optional && !scope.equals("test") && !scope.equals("provided");
        }

        @Override
        public String toString() {
            return id + " (scope " + scope + (optional ? ", optional" : "") + ")";
        }
    }

    @BeforeAll
    static void findCheckout() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        root = Files.exists(module.resolve("wkr-client/pom.xml")) ? module : module.getParent();
        assertThat(root.resolve("wkr-client/pom.xml")).as("the checkout's wkr-client/pom.xml").isRegularFile();
    }

    /** The project's own dependencies (not dependencyManagement, not plugins'), as declared. */
    private static List<Dependency> dependencies(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        Element project = f.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
        assertThat(project.getLocalName()).as(pom + " is a POM").isEqualTo("project");
        List<Dependency> out = new ArrayList<>();
        Element deps = child(project, "dependencies");
        if (deps == null) return out;
        for (Node n = deps.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "dependency".equals(e.getLocalName())) {
                String type = text(e, "type", "jar");
                String classifier = text(e, "classifier", "");
                String id = text(e, "groupId", "?") + ":" + text(e, "artifactId", "?")
                        + (type.equals("jar") ? "" : ":" + type) + (classifier.isEmpty() ? "" : ":" + classifier);
                out.add(new Dependency(id, text(e, "scope", "compile"), Boolean.parseBoolean(text(e, "optional", "false"))));
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) return e;
        }
        return null;
    }

    private static String text(Element parent, String name, String absent) {
        Element e = child(parent, name);
        return e == null ? absent : e.getTextContent().trim();
    }

    @Test
    void shouldPassOnlyJeromqAndKryoToClientUsers() throws Exception {
        List<Dependency> client = dependencies(root.resolve("wkr-client/pom.xml"));
        // the check below means something only if this is the real file, with the client's own dependencies
        assertThat(client).filteredOn(Dependency::reachesUsers).extracting(Dependency::id)
                .as("wkr-client passes on what the client needs").containsAll(CLIENT_NEEDS);
        assertThat(client).extracting(Dependency::id).as("the load generator's libraries are declared here")
                .contains("info.picocli:picocli", "org.hdrhistogram:HdrHistogram");

        List<Dependency> all = new ArrayList<>(client);
        all.addAll(dependencies(root.resolve("pom.xml"))); // the parent's <dependencies> are inherited
        List<Dependency> offenders = all.stream().filter(d -> !CLIENT_NEEDS.contains(d.id()) && d.reachesUsers()).toList();
        assertThat(offenders)
                .as("wkr-client/pom.xml (and the parent pom.xml) may pass only JeroMQ and Kryo on to library users; "
                        + "mark these <optional>true</optional> or scope them test/provided: %s",
                        offenders.stream().map(Dependency::toString).collect(Collectors.joining(", ")))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"wkr-server", "wkr-decentral"})
    void shouldKeepTheLaunchersLibrariesOptional(String module) throws Exception {
        List<Dependency> deps = dependencies(root.resolve(module).resolve("pom.xml"));
        for (String launcherOnly : List.of("info.picocli:picocli", "ch.qos.logback:logback-classic")) {
            List<Dependency> declared = deps.stream().filter(d -> d.id().equals(launcherOnly)).toList();
            assertThat(declared).as("%s/pom.xml declares %s once (its launchers use it)", module, launcherOnly).hasSize(1);
            assertThat(declared.get(0).reachesUsers())
                    .as("%s/pom.xml must declare %s <optional>true</optional>, so it does not reach library users; it has %s",
                            module, launcherOnly, declared.get(0))
                    .isFalse();
        }
    }
}
