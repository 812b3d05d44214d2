# releasebot in a container: a Debian 12 stage builds it and its Debian package (the same one
# `cpack -G DEB` makes); a slim Debian 12 stage installs that package, which brings exactly the
# run-time libraries, and runs it as an unprivileged user.
#
#   docker build -t releasebot .
#   docker run -d --name releasebot -p 8080:8080 -v releasebot-data:/var/lib/releasebot \
#       -v /path/to/releasebot.toml:/etc/releasebot/releasebot.toml:ro \
#       -v /path/to/secrets:/run/secrets:ro \
#       -e RELEASEBOT_SLACK_BOT_TOKEN_FILE=/run/secrets/slack-bot-token \
#       -e RELEASEBOT_SLACK_APP_TOKEN_FILE=/run/secrets/slack-app-token releasebot
#
# The database lives in the volume /var/lib/releasebot; /healthz on port 8080 answers whether
# it and every adapter are up.

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config dpkg-dev file \
      libboost1.81-dev libboost-json1.81-dev libsimdjson-dev libcurl4-openssl-dev \
      libsqlite3-dev libssl-dev libhowardhinnant-date-dev libcli11-dev libtomlplusplus-dev \
      libfmt-dev libedit-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELEASEBOT_TESTS=OFF \
 && cmake --build /build \
 && cd /build && cpack -G DEB -B /out

FROM debian:12-slim
# A fixed uid/gid, so orchestrators can check runAsNonRoot and volumes can be chowned ahead;
# the package's postinst finds the user present and leaves it.
RUN groupadd --system --gid 10001 releasebot \
 && useradd --system --uid 10001 --gid releasebot --home-dir /var/lib/releasebot \
      --no-create-home --shell /usr/sbin/nologin releasebot
COPY --from=build /out/ /tmp/pkg/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/pkg/releasebot_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/pkg \
 && install -d -o releasebot -g releasebot -m 0750 /var/lib/releasebot
USER 10001:10001
WORKDIR /var/lib/releasebot
VOLUME ["/var/lib/releasebot"]
# Inside a container the listener must face the container's network, not its loopback.
ENV RELEASEBOT_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/bin/releasebot"]
CMD ["serve", "--config", "/etc/releasebot/releasebot.toml"]
