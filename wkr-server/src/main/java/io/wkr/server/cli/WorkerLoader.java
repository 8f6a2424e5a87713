package io.wkr.server.cli;

import io.wkr.server.WKRHardWorker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Finds the user's worker class by its fully qualified name, on the class path given with {@code
 * -cp} (through a {@link URLClassLoader} whose parent has wkr itself), and checks it can be
 * started: it must extend the {@link Kind}'s base class, be public and concrete, and have a public
 * no-argument constructor. Shared by {@code wkr-serving-*} ({@link #WORKER}: a {@code
 * WKRHardWorker}) and {@code wkr-decentral-*} (a unit, {@code WKRWorker}). Every problem is an
 * {@link IllegalArgumentException} whose message says what to fix; the commands turn it into exit
 * code 2.
 */
public final class WorkerLoader {
    /** The {@link WKRHardWorker} subclass that {@code wkr-serving-start} serves. */
    static final Kind<WKRHardWorker<?, ?, ?>> WORKER = new Kind<>(WKRHardWorker.class, "worker class",
            "a fully qualified Java class name, e.g. io.wkr.examples.EchoWorker");

    private WorkerLoader() {}

    /**
     * What a command loads.
     *
     * @param <T> the type its instances are used as
     * @param base the class it must extend
     * @param noun what it is called in messages, {@code "<word> class"} ({@code "worker class"});
     *     the class loader is named {@code wkr-<word>}
     * @param hint what to give, for the message when the class is not found
     */
    public record Kind<T>(Class<? super T> base, String noun, String hint) {}

    /** A checked worker class and the class loader it came from. */
    public record WorkerClass<T>(Class<? extends T> type, Constructor<? extends T> constructor, ClassLoader loader) {

        /** A factory of instances; wraps a failing constructor in {@code IllegalStateException}. */
        public Supplier<T> factory() {
            return () -> {
                try {
                    return constructor.newInstance();
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("the constructor of " + type.getName() + " failed: "
                            + e.getCause(), e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot create " + type.getName() + ": " + e, e);
                }
            };
        }
    }

    /** As {@link #load(Kind, String, String)} for a {@link #WORKER}. */
    static WorkerClass<WKRHardWorker<?, ?, ?>> load(String className, String classpath) {
        return load(WORKER, className, classpath);
    }

    /**
     * Loads and checks {@code className}, a {@code kind}, from {@code classpath} (may be {@code
     * null}) without running its static initialiser.
     *
     * @throws IllegalArgumentException when the class path or the class will not do
     */
    public static <T> WorkerClass<T> load(Kind<T> kind, String className, String classpath) {
        List<URL> urls = classpathUrls(classpath);
        String word = kind.noun().split(" ", 2)[0];
        ClassLoader loader = urls.isEmpty()
                ? WorkerLoader.class.getClassLoader()
                : new URLClassLoader("wkr-" + word, urls.toArray(URL[]::new), WorkerLoader.class.getClassLoader());
        Class<?> c;
        try {
            c = Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(kind.noun() + " " + className + " not found"
                    + (urls.isEmpty() ? "; give the jar or directory that holds it with -cp" : " on -cp " + classpath)
                    + " (" + kind.hint() + ")");
        } catch (LinkageError e) {
            throw new IllegalArgumentException("cannot load " + kind.noun() + " " + className + ": " + e
                    + " (a dependency missing from -cp?)", e);
        }
        return check(kind, c, loader);
    }

    @SuppressWarnings("unchecked")
    private static <T> WorkerClass<T> check(Kind<T> kind, Class<?> c, ClassLoader loader) {
        String name = c.getName();
        if (!kind.base().isAssignableFrom(c)) {
            throw new IllegalArgumentException(name + " does not extend " + kind.base().getName());
        }
        if (Modifier.isAbstract(c.getModifiers())) throw new IllegalArgumentException(name + " is abstract");
        if (!Modifier.isPublic(c.getModifiers())) throw new IllegalArgumentException(name + " is not public");
        if (c.getEnclosingClass() != null && !Modifier.isStatic(c.getModifiers())) {
            throw new IllegalArgumentException(name + " is an inner class; make it static");
        }
        try {
            Constructor<?> ctor = c.getConstructor();
            return new WorkerClass<>((Class<? extends T>) c, (Constructor<? extends T>) ctor, loader);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(name + " needs a public no-argument constructor");
        } catch (LinkageError e) {
            throw new IllegalArgumentException("cannot load " + kind.noun() + " " + name + ": " + e, e);
        }
    }

    /**
     * The URLs of a {@code :}-separated class path. An entry {@code dir/*} stands for every jar in
     * {@code dir} (as with {@code java -cp}); other globs in the last segment ({@code
     * lib/model-*.jar}) match files in that directory.
     *
     * @throws IllegalArgumentException when an entry or a wildcard's directory does not exist
     */
    public static List<URL> classpathUrls(String classpath) {
        List<URL> urls = new ArrayList<>();
        if (classpath == null || classpath.isBlank()) return urls;
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry);
            String last = p.getFileName() == null ? "" : p.getFileName().toString();
            if (last.contains("*") || last.contains("?")) {
                for (Path match : glob(p, last.equals("*") ? "*.{jar,JAR}" : last)) urls.add(url(match));
            } else if (Files.exists(p)) {
                urls.add(url(p));
            } else {
                throw new IllegalArgumentException("-cp entry does not exist: " + entry);
            }
        }
        return urls;
    }

    private static List<Path> glob(Path pattern, String glob) {
        Path dir = pattern.getParent() == null ? Path.of(".") : pattern.getParent();
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("-cp directory does not exist: " + dir);
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
            for (Path f : files) out.add(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(null);
        return out;
    }

    private static URL url(Path p) {
        try {
            return p.toAbsolutePath().normalize().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad -cp entry " + p + ": " + e.getMessage(), e);
        }
    }
}
