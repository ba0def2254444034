"""Tests of runner/spec: flows, users and other YAML files in, validated models or file:line errors out."""
