"""Thin HTTP views: parse the request, call a domain function, render a template."""
