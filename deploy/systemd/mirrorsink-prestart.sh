#!/bin/sh
# ExecStartPre of mirrorsink-container.service. Environment (from /etc/mirrorsink/container.env):
#   MIRRORSINK_IMAGE              image to run (ECR, public ECR or any registry)
#   MIRRORSINK_CONFIG_PARAMETER   optional SSM parameter name holding mirrorsink.yaml
#   AWS_DEFAULT_REGION            region of the SSM parameter
set -eu

config=/etc/mirrorsink/mirrorsink.yaml

if [ -n "${MIRRORSINK_CONFIG_PARAMETER:-}" ]; then
  # Re-read on every start, so `systemctl restart mirrorsink` picks up an edited parameter.
  tmp=$(mktemp /etc/mirrorsink/.mirrorsink.yaml.XXXXXX)
  if aws ssm get-parameter --name "$MIRRORSINK_CONFIG_PARAMETER" --query Parameter.Value --output text >"$tmp"; then
    chmod 0644 "$tmp"
    mv "$tmp" "$config"
  else
    rm -f "$tmp"
    # Keep running on the last good config rather than not at all.
    if [ ! -s "$config" ]; then
      echo "mirrorsink-prestart: cannot read SSM parameter $MIRRORSINK_CONFIG_PARAMETER and no $config yet" >&2
      exit 1
    fi
    echo "mirrorsink-prestart: cannot read SSM parameter $MIRRORSINK_CONFIG_PARAMETER; keeping $config" >&2
  fi
fi

if [ ! -s "$config" ]; then
  echo "mirrorsink-prestart: $config is missing or empty" >&2
  exit 1
fi

registry=${MIRRORSINK_IMAGE%%/*}
case "$registry" in
  *.dkr.ecr.*.amazonaws.com | *.dkr.ecr.*.amazonaws.com.cn)
    # Private ECR needs a login; the instance role has AmazonEC2ContainerRegistryReadOnly.
    ecr_region=$(echo "$registry" | cut -d. -f4)
    aws ecr get-login-password --region "$ecr_region" | docker login --username AWS --password-stdin "$registry"
    ;;
esac

# A registry outage must not keep an already pulled image from starting.
if ! docker pull "$MIRRORSINK_IMAGE"; then
  docker image inspect "$MIRRORSINK_IMAGE" >/dev/null
  echo "mirrorsink-prestart: pull of $MIRRORSINK_IMAGE failed; starting the local copy" >&2
fi
