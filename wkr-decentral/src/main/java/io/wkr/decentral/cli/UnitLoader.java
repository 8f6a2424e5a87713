package io.wkr.decentral.cli;

import io.wkr.decentral.WKRWorker;
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
 * Finds the unit class ({@link WKRWorker} subclass) by name, on {@code -cp} if given, and checks
 * it can be started: public, concrete, static if nested, with a public no-argument constructor.
 * Problems are {@link IllegalArgumentException}s saying what to fix (exit code 2).
 */
final class UnitLoader {
    private UnitLoader() {}

    /** A checked unit class and the class loader it came from. */
    record UnitClass(Class<?> type, Constructor<?> constructor, ClassLoader loader) {

        /** Makes a unit; a failing constructor becomes an {@code IllegalStateException}. */
        Supplier<WKRWorker<?>> factory() {
            return () -> {
                try {
                    return (WKRWorker<?>) constructor.newInstance();
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("the constructor of " + type.getName() + " failed: " + e.getCause(),
                            e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot create " + type.getName() + ": " + e, e);
                }
            };
        }
    }

    static UnitClass load(String className, String classpath) {
        List<URL> urls = classpathUrls(classpath);
        ClassLoader loader = urls.isEmpty() ? UnitLoader.class.getClassLoader()
                : new URLClassLoader("wkr-unit", urls.toArray(URL[]::new), UnitLoader.class.getClassLoader());
        Class<?> c;
        try {
            c = Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unit class " + className + " not found"
                    + (urls.isEmpty() ? "; give the jar or directory that holds it with -cp" : " on -cp " + classpath)
                    + " (a fully qualified class name; the built-in one is io.wkr.decentral.redis.JobUnit)");
        } catch (LinkageError e) {
            throw new IllegalArgumentException("cannot load unit class " + className + ": " + e, e);
        }
        String name = c.getName();
        if (!WKRWorker.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(name + " does not extend " + WKRWorker.class.getName());
        }
        if (Modifier.isAbstract(c.getModifiers())) throw new IllegalArgumentException(name + " is abstract");
        if (!Modifier.isPublic(c.getModifiers())) throw new IllegalArgumentException(name + " is not public");
        if (c.getEnclosingClass() != null && !Modifier.isStatic(c.getModifiers())) {
            throw new IllegalArgumentException(name + " is an inner class; make it static");
        }
        try {
            return new UnitClass(c, c.getConstructor(), loader);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(name + " needs a public no-argument constructor");
        }
    }

    /** A {@code :}-separated class path; {@code dir/*} means every jar in {@code dir}. */
    static List<URL> classpathUrls(String classpath) {
        List<URL> urls = new ArrayList<>();
        if (classpath == null || classpath.isBlank()) return urls;
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry);
            String last = p.getFileName() == null ? "" : p.getFileName().toString();
            if (last.contains("*") || last.contains("?")) {
                Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
                if (!Files.isDirectory(dir)) throw new IllegalArgumentException("-cp directory does not exist: " + dir);
                List<Path> matches = new ArrayList<>();
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, last.equals("*") ? "*.{jar,JAR}" : last)) {
                    files.forEach(matches::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + dir, e);
                }
                matches.sort(null);
                for (Path m : matches) urls.add(url(m));
            } else if (Files.exists(p)) {
                urls.add(url(p));
            } else {
                throw new IllegalArgumentException("-cp entry does not exist: " + entry);
            }
        }
        return urls;
    }

    private static URL url(Path p) {
        try {
            return p.toAbsolutePath().normalize().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad -cp entry " + p + ": " + e.getMessage(), e);
        }
    }
}
