package io.wkr.decentral;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module and package edges of wkr (docs/architecture.md, "Modules and packages"), checked on
 * the compiled classes of every module this one sees: wkr-client, wkr-server and wkr-decentral.
 * It lives here because wkr-decentral is the module that depends on all the others.
 */
@AnalyzeClasses(packages = "io.wkr", importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {

    /** Leaves out the modules' test-jars, which {@code mvn verify} puts on the class path instead of test-classes. */
    static final class NoTestJars implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("-tests.jar");
        }
    }

    /** Every package is its own slice: no two packages import each other, directly or round about. */
    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.wkr.(**)").should().beFreeOfCycles();

    /** The server's stages are reached only through the server itself. */
    @ArchTest
    static final ArchRule serverInternalsStayInTheServer = noClasses()
            .that().resideOutsideOfPackage("io.wkr.server..")
            .should().dependOnClassesThat().resideInAPackage("io.wkr.server.internal..");

    /** The stages know nothing of the API that assembles them, its launchers or its DJL support. */
    @ArchTest
    static final ArchRule stagesDoNotReachUp = noClasses()
            .that().resideInAPackage("io.wkr.server.internal..")
            .should().dependOnClassesThat().resideInAnyPackage("io.wkr.server", "io.wkr.server.cli..", "io.wkr.server.djl..");

    /** The server's root package is its API and nothing else: the worker stage in it is package-private. */
    @ArchTest
    static final ArchRule serverRootIsApi = classes()
            .that().resideInAPackage("io.wkr.server").and().arePublic().and().areTopLevelClasses()
            .should().haveNameMatching("io\\.wkr\\.server\\.(WKRServer|WKRHardWorker|WorkerContext)");

    /** Public server classes live in the API packages or in internal ones. */
    @ArchTest
    static final ArchRule serverPublicClassesAreApiOrInternal = classes()
            .that().resideInAPackage("io.wkr.server..").and().arePublic()
            .should().resideInAnyPackage(
                    "io.wkr.server", "io.wkr.server.config", "io.wkr.server.status", "io.wkr.server.cli",
                    "io.wkr.server.djl", "io.wkr.server.internal..");

    /** The status records are plain API that the stages build: they know no stage and no server class. */
    @ArchTest
    static final ArchRule statusRecordsStandAlone = noClasses()
            .that().resideInAPackage("io.wkr.server.status..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.wkr.server", "io.wkr.server.internal..", "io.wkr.server.cli..", "io.wkr.server.djl..");

    /** The client's root package exports its two faces and their configuration; the connection core is package-private. */
    @ArchTest
    static final ArchRule clientRootIsApi = classes()
            .that().resideInAPackage("io.wkr.client").and().arePublic().and().areTopLevelClasses()
            .should().haveNameMatching("io\\.wkr\\.client\\.(WKRClient|ConcurrentWKRClient|ClientConfig)");

    /** The client library carries no launcher, benchmark or logging-backend code, and knows no server. */
    @ArchTest
    static final ArchRule clientLibraryStaysLight = noClasses()
            .that().resideInAnyPackage("io.wkr.protocol..", "io.wkr.client..")
            .and().resideOutsideOfPackage("io.wkr.client.bench..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "picocli..", "org.HdrHistogram..", "ch.qos.logback..", "io.wkr.server..", "io.wkr.decentral..");

    /** Only the launchers pick a logging backend; library code logs through SLF4J. */
    @ArchTest
    static final ArchRule onlyLaunchersUseLogback = noClasses()
            .that().resideOutsideOfPackages("io.wkr.server.cli..", "io.wkr.decentral.cli..")
            .should().dependOnClassesThat().resideInAPackage("ch.qos.logback..");
}
